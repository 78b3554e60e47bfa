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
 * `chronicle_purge_events` (migrations 0006, 0015): it removes no row received after its own
 * cut-off (a later `upTo` is cut back), moves the checkpoint and records the removal in
 * `operator_log`; returns how many.
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

/**
 * The clock removals are decided by (migration 0015): the database's, moved by the owner's
 * `removal_policy.clock_offset` (zero unless an owner rehearses a later date).
 */
export async function selectRemovalClock(db: Queryable): Promise<Date> {
  const [row] = await db.query<{ now: Date | string }>("SELECT chronicle_removal_now() AS now");
  return new Date(row?.now ?? Date.now());
}

/**
 * Owner only: moves the removal clock so that it reads `at` now (null: back to the
 * database's own clock). Recorded in `operator_log`.
 */
export async function setRemovalClock(db: Queryable, at: Date | null): Promise<void> {
  await db.query(
    "UPDATE removal_policy SET clock_offset = coalesce($1::timestamptz - now(), interval '0 seconds')",
    [at?.toISOString() ?? null],
  );
}

/** The owner's floors under every project's retention and deletion grace period. */
export interface RemovalPolicy {
  min_retention_days: number;
  min_deletion_grace_days: number;
}

export async function selectRemovalPolicy(db: Queryable): Promise<RemovalPolicy> {
  const [row] = await db.query<{ min_retention_days: number; min_deletion_grace_days: number }>(
    "SELECT chronicle_min_retention_days() AS min_retention_days, chronicle_min_deletion_grace_days() AS min_deletion_grace_days",
  );
  return {
    min_retention_days: Number(row?.min_retention_days ?? 1),
    min_deletion_grace_days: Number(row?.min_deletion_grace_days ?? 7),
  };
}

/** Owner only: changes the floors (a CHECK refuses a retention floor under 1 day). */
export async function updateRemovalPolicy(
  db: Queryable,
  change: Partial<RemovalPolicy>,
): Promise<RemovalPolicy> {
  await db.query(
    `UPDATE removal_policy SET
       min_retention_days = coalesce($1, min_retention_days),
       min_deletion_grace_days = coalesce($2, min_deletion_grace_days)`,
    [change.min_retention_days ?? null, change.min_deletion_grace_days ?? null],
  );
  return selectRemovalPolicy(db);
}
