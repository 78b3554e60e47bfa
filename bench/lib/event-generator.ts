/**
 * The bench's events: the demo's generator (packages/server/src/demo/events.ts, through the
 * test kit) at the bench's sizes, 200 customer workspaces of ten people each, with
 * `occurred_at` one second apart from 2026-01-01 so time filters select contiguous ranges.
 */
import { ActivityGenerator, type ActivitySizes } from "@chronicle/test-kit";

export { type EventInput, seededRandom, userId, workspaceId } from "@chronicle/test-kit";

export const BENCH_SIZES: ActivitySizes = { workspaces: 200, peoplePerWorkspace: 10 };

export const BENCH_START = Date.parse("2026-01-01T00:00:00.000Z");

/** An endless stream of the bench's events: the same seed gives the same events. */
export function benchEvents(seed: number): ActivityGenerator {
  return new ActivityGenerator({
    seed,
    sizes: BENCH_SIZES,
    occurredAt: (index, jitter) => BENCH_START + index * 1000 + Math.floor(jitter * 1000),
  });
}
