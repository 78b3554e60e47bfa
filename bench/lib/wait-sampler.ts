import type pg from "pg";

export interface WaitShare {
  /** "state wait_event_type:wait_event — statement" */
  what: string;
  share: number;
}

/**
 * Samples pg_stat_activity every `intervalMs` while `work` runs and returns what the busy
 * sessions of this database were doing, as shares of all busy samples: where a load waits
 * (row locks, WAL flushes, the client).
 */
export async function sampleWaits(
  pool: pg.Pool,
  work: () => Promise<unknown>,
  intervalMs = 20,
): Promise<WaitShare[]> {
  const counts = new Map<string, number>();
  let running = true;
  const sampler = (async () => {
    while (running) {
      const result = await pool.query<{ state: string; wait: string; query: string }>(
        `SELECT state, coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') AS wait,
                left(regexp_replace(query, '\\s+', ' ', 'g'), 48) AS query
           FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND backend_type = 'client backend' AND state <> 'idle'`,
      );
      for (const row of result.rows) {
        const key = `${row.state} ${row.wait} — ${row.query.trim()}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await sampler;
  }
  const total = [...counts.values()].reduce((sum, value) => sum + value, 0);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([what, count]) => ({ what, share: count / Math.max(1, total) }));
}

/** "62 % active Lock:transactionid — UPDATE projects …; 9 % …" for a workload note. */
export function describeWaits(waits: readonly WaitShare[], top = 5): string {
  return waits
    .slice(0, top)
    .map((wait) => `${Math.round(wait.share * 100)} % \`${wait.what}\``)
    .join("; ");
}

/** The share of busy samples waiting on a heavyweight lock (`Lock:*` wait events). */
export function lockShare(waits: readonly WaitShare[]): number {
  return waits
    .filter((wait) => / Lock:/.test(wait.what))
    .reduce((sum, wait) => sum + wait.share, 0);
}
