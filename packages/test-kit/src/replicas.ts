import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";

/** The replicas heard from within the last 10 s (the set's staleness), by URL. */
export async function liveReplicas(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ url: string }>(
    "SELECT url FROM replicas WHERE seen_at > now() - interval '10 seconds' ORDER BY url",
  );
  return rows.map((row) => row.url);
}

/** Waits until at least `count` replicas are live (at most `timeoutMs`); their URLs. */
export async function waitForReplicas(
  pool: pg.Pool,
  count: number,
  timeoutMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const live = await liveReplicas(pool);
    if (live.length >= count || Date.now() >= deadline) return live;
    await sleep(100);
  }
}
