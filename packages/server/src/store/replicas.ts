import type { Queryable } from "./types.js";

/** The channel that tells every replica the set of replicas changed (one joined or left). */
export const REPLICAS_CHANNEL = "chronicle_replicas";

/** Rows not seen for this long are deleted when a replica says it is alive. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

export interface ReplicaRow {
  url: string;
  proof: string;
}

/**
 * Records that the replica at `url` is alive now; a replica new to the table (or back after
 * its row was forgotten) is announced on REPLICAS_CHANNEL. Rows long dead are forgotten.
 */
export async function recordReplicaAlive(db: Queryable, url: string, proof: string): Promise<void> {
  await db.query(
    `WITH forgotten AS (
       DELETE FROM replicas
       WHERE url <> $1 AND seen_at < now() - make_interval(secs => $4::float8 / 1000)
     ), seen AS (
       INSERT INTO replicas (url, proof, seen_at) VALUES ($1, $2, now())
       ON CONFLICT (url) DO UPDATE SET proof = excluded.proof, seen_at = excluded.seen_at
       RETURNING (xmax = 0) AS joined
     )
     SELECT pg_notify($3, $1) FROM seen WHERE joined`,
    [url, proof, REPLICAS_CHANNEL, FORGET_AFTER_MS],
  );
}

/** Removes the replica at `url` (it is stopping) and announces it. */
export async function removeReplica(db: Queryable, url: string): Promise<void> {
  await db.query(
    `WITH gone AS (DELETE FROM replicas WHERE url = $1 RETURNING url)
     SELECT pg_notify($2, url) FROM gone`,
    [url, REPLICAS_CHANNEL],
  );
}

/** The replicas seen alive within the last `withinMs` milliseconds (database clock). */
export async function replicasSeenWithin(db: Queryable, withinMs: number): Promise<ReplicaRow[]> {
  return db.query<ReplicaRow>(
    `SELECT url, proof FROM replicas
     WHERE seen_at > now() - make_interval(secs => $1::float8 / 1000)
     ORDER BY url`,
    [withinMs],
  );
}
