import type { RateLimitDecision } from "../domain/types.js";
import type { Store } from "../store/types.js";

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
  now: Date = new Date(),
): Promise<RateLimitDecision> {
  const windowStart = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
  const [row] = await store.query<{ count: number }>(
    `INSERT INTO rate_limits (project_id, subject, window_start, count) VALUES ($1, $2, $3, 1)
     ON CONFLICT (project_id, subject, window_start)
     DO UPDATE SET count = rate_limits.count + 1
     RETURNING count`,
    [projectId, subject, new Date(windowStart).toISOString()],
  );
  const count = Number(row?.count ?? 1);
  hitsSincePrune += 1;
  if (hitsSincePrune >= PRUNE_EVERY) {
    hitsSincePrune = 0;
    await pruneRateLimits(store, now);
  }
  return {
    allowed: count <= limitPerMinute,
    limit: limitPerMinute,
    remaining: Math.max(0, limitPerMinute - count),
    resetSeconds: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now.getTime()) / 1000)),
  };
}

export async function pruneRateLimits(store: Store, now: Date = new Date()): Promise<void> {
  await store.query("DELETE FROM rate_limits WHERE window_start < $1", [
    new Date(now.getTime() - 2 * WINDOW_MS).toISOString(),
  ]);
}
