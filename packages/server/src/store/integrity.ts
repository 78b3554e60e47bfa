import { EVENT_COLUMNS } from "./events.js";
import type { Queryable, Row } from "./types.js";

/** The reads of events and projects that integrity verification, proofs and the tree backfill make. */

/** A project's chain head, retention checkpoint and first stored seq. */
export interface ChainState {
  last_seq: number;
  last_hash: string | null;
  checkpoint_seq: number | null;
  checkpoint_hash: string | null;
  first_seq: number | null;
}

export async function selectChainState(
  db: Queryable,
  projectId: string,
): Promise<ChainState | null> {
  const [row] = await db.query<ChainState>(
    `SELECT last_seq, last_hash, checkpoint_seq, checkpoint_hash,
       (SELECT min(seq) FROM events WHERE project_id = $1) AS first_seq
     FROM projects WHERE project_id = $1`,
    [projectId],
  );
  return row ?? null;
}

/** The stored hash of event `seq`, or null when it is not stored. */
export async function selectEventHash(
  db: Queryable,
  projectId: string,
  seq: number,
): Promise<string | null> {
  const [row] = await db.query<{ hash: string }>(
    "SELECT hash FROM events WHERE project_id = $1 AND seq = $2",
    [projectId, seq],
  );
  return row?.hash ?? null;
}

/** Up to `limit` stored events from `from` to `to` (inclusive), in seq order. */
export function selectEventRange(
  db: Queryable,
  projectId: string,
  from: number,
  to: number,
  limit: number,
): Promise<Row[]> {
  return db.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE project_id = $1 AND seq >= $2 AND seq <= $3
     ORDER BY seq LIMIT $4`,
    [projectId, from, to, limit],
  );
}

/** The hashes of events `from`… before `toExclusive`, in seq order. */
export async function selectEventHashes(
  db: Queryable,
  projectId: string,
  from: number,
  toExclusive: number,
): Promise<string[]> {
  const rows = await db.query<{ hash: string }>(
    "SELECT hash FROM events WHERE project_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq",
    [projectId, from, toExclusive],
  );
  return rows.map((row) => row.hash);
}

/** Projects with events whose chain start was never purged (their whole tree can be built). */
export function selectProjectsFromChainStart(
  db: Queryable,
): Promise<{ project_id: string; last_seq: string | number }[]> {
  return db.query(
    "SELECT project_id, last_seq FROM projects WHERE last_seq > 0 AND checkpoint_seq IS NULL",
  );
}

/** The workspace of event `seq`: undefined when no such event is stored. */
export async function selectEventWorkspace(
  db: Queryable,
  projectId: string,
  seq: number,
): Promise<string | null | undefined> {
  const [row] = await db.query<{ workspace_id: string | null }>(
    "SELECT workspace_id FROM events WHERE project_id = $1 AND seq = $2",
    [projectId, seq],
  );
  return row ? row.workspace_id : undefined;
}
