import type { Queryable } from "./types.js";

/** When the event with this seq was received; undefined when there is none. */
export async function selectEventCreatedAt(
  db: Queryable,
  projectId: string,
  seq: number,
): Promise<Date | undefined> {
  const [row] = await db.query<{ created_at: Date }>(
    "SELECT created_at FROM events WHERE project_id = $1 AND seq = $2",
    [projectId, seq],
  );
  return row?.created_at;
}

/**
 * Purges the project's events from its retention checkpoint up to `upTo` through
 * `chronicle_purge_events` (migration 0006), which moves the checkpoint; returns how many.
 */
export async function purgeEventsUpTo(
  db: Queryable,
  projectId: string,
  upTo: number,
): Promise<number> {
  const [deleted] = await db.query<{ n: string | number }>(
    "SELECT chronicle_purge_events($1, $2) AS n",
    [projectId, upTo],
  );
  return Number(deleted?.n ?? 0);
}

/** Drops idempotency keys recorded before `before`. */
export async function deleteIdempotencyKeysBefore(db: Queryable, before: Date): Promise<void> {
  await db.query("DELETE FROM idempotency_keys WHERE created_at < $1", [before.toISOString()]);
}
