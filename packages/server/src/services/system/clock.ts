import { selectClockTimestamp } from "../../store/system.js";
import type { Queryable } from "../../store/types.js";

/**
 * One clock for every replica: the database's. Time decisions that are made in SQL use
 * `now()` / `clock_timestamp()` there (retention cut-off, token expiry, rate-limit windows,
 * `created_at`); the few made in the process (an event's default `occurred_at`) use
 * `databaseNow()`, the process clock corrected by the offset to the database's clock. The
 * offset is learnt from database timestamps the server reads anyway (every rate-limit
 * reservation returns one, before a credential's first request is served), so keeping it
 * costs no query.
 */
let offsetMs = 0;

/** The database's clock as this process best knows it. */
export function databaseNow(): Date {
  return new Date(Date.now() + offsetMs);
}

/** The current offset (database minus process), in milliseconds. */
export function databaseClockOffsetMs(): number {
  return offsetMs;
}

/**
 * Records a database timestamp read by a query sent at `sentAt` and answered at `receivedAt`
 * (process clock, ms): the database read its clock somewhere in between, so the midpoint
 * is the best estimate, within half the round trip.
 */
export function observeDatabaseTime(
  databaseTime: Date | string | number,
  sentAt: number,
  receivedAt: number = Date.now(),
): void {
  const at = new Date(databaseTime).getTime();
  if (!Number.isFinite(at)) return;
  offsetMs = Math.round(at - (sentAt + receivedAt) / 2);
}

/** Reads the database's clock (one query) and records the offset. */
export async function readDatabaseClock(db: Queryable): Promise<Date> {
  const sentAt = Date.now();
  const now = new Date((await selectClockTimestamp(db)) ?? Date.now());
  observeDatabaseTime(now, sentAt);
  return now;
}
