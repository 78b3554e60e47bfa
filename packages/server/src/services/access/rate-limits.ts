import type { RateLimitDecision } from "../../domain/types.js";
import { countRateLimitHit, deleteOldRateLimitWindows } from "../../store/rate-limits.js";
import type { Store } from "../../store/types.js";
import { observeDatabaseTime } from "../system/clock.js";

const WINDOW_MS = 60_000;
/** Old windows are pruned by one hit in this many (and by the retention purge). */
const PRUNE_EVERY = 500;
let hitsSincePrune = 0;

/**
 * Counts one request in the caller's fixed one-minute window with one atomic upsert, so
 * every replica on the same database shares the count.
 */
export async function hitRateLimit(
  store: Store,
  projectId: string,
  subject: string,
  limitPerMinute: number,
  /** The time to count at; default the database's clock (tests pass one). */
  at?: Date,
): Promise<RateLimitDecision> {
  // The window is the database's minute, so replicas with drifting clocks share it.
  const sentAt = Date.now();
  const row = await countRateLimitHit(store, projectId, subject, at);
  const now = row ? new Date(row.now).getTime() : Date.now();
  if (row && !at) observeDatabaseTime(row.now, sentAt);
  const windowStart = row ? new Date(row.window_start).getTime() : now;
  const count = Number(row?.count ?? 1);
  hitsSincePrune += 1;
  if (hitsSincePrune >= PRUNE_EVERY) {
    hitsSincePrune = 0;
    await pruneRateLimits(store, at);
  }
  return {
    allowed: count <= limitPerMinute,
    limit: limitPerMinute,
    remaining: Math.max(0, limitPerMinute - count),
    resetSeconds: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)),
  };
}

/** Drops windows two minutes older than `now` (default: the database's clock). */
export async function pruneRateLimits(store: Store, now?: Date): Promise<void> {
  await deleteOldRateLimitWindows(store, now);
}
