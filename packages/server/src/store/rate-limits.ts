import type { Queryable } from "./types.js";

/** A rate-limit window after one more hit, with the time it was counted at. */
export interface RateLimitHitRow {
  count: number;
  window_start: Date;
  now: Date;
}

/**
 * Counts one hit in the subject's one-minute window (the database's minute of `at`, default
 * its clock) with one atomic upsert.
 */
export async function countRateLimitHit(
  db: Queryable,
  projectId: string,
  subject: string,
  at: Date | undefined,
): Promise<RateLimitHitRow | undefined> {
  const [row] = await db.query<RateLimitHitRow>(
    `INSERT INTO rate_limits (project_id, subject, window_start, count)
     VALUES ($1, $2, date_trunc('minute', coalesce($3::timestamptz, clock_timestamp())), 1)
     ON CONFLICT (project_id, subject, window_start)
     DO UPDATE SET count = rate_limits.count + 1
     RETURNING count, window_start, coalesce($3::timestamptz, clock_timestamp()) AS now`,
    [projectId, subject, at?.toISOString() ?? null],
  );
  return row;
}

/**
 * Adds `units` to the subject's count in the database's current minute (one atomic upsert)
 * and answers the count after it: the caller may use the units of its addition that fall
 * within its limit, so what every replica uses together never exceeds it.
 */
export async function reserveRateLimitUnits(
  db: Queryable,
  projectId: string,
  subject: string,
  units: number,
): Promise<RateLimitHitRow | undefined> {
  const [row] = await db.query<RateLimitHitRow>(
    `INSERT INTO rate_limits (project_id, subject, window_start, count)
     VALUES ($1, $2, date_trunc('minute', clock_timestamp()), $3)
     ON CONFLICT (project_id, subject, window_start)
     DO UPDATE SET count = rate_limits.count + excluded.count
     RETURNING count, window_start, clock_timestamp() AS now`,
    [projectId, subject, units],
  );
  return row;
}

/** Drops windows two minutes older than `now` (default: the database's clock). */
export async function deleteOldRateLimitWindows(db: Queryable, now?: Date): Promise<void> {
  await db.query(
    "DELETE FROM rate_limits WHERE window_start < coalesce($1::timestamptz, now()) - interval '2 minutes'",
    [now?.toISOString() ?? null],
  );
}
