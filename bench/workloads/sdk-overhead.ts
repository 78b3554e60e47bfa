import { atMost } from "../lib/results.js";
import { createClient } from "../lib/sdk.js";
import { summarize } from "../lib/stats.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";

interface Page {
  data: unknown[];
  next_cursor: string | null;
  has_more: boolean;
}

/** The baseline: the loop a person would write with fetch, over the same pages. */
async function fetchLoop(
  baseUrl: string,
  headers: Record<string, string>,
  limit: number,
  max: number,
) {
  let count = 0;
  let cursor: string | null = null;
  do {
    const url = `${baseUrl}/v1/events?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`GET ${url} → ${response.status}`);
    const page = (await response.json()) as Page;
    count += page.data.length;
    cursor = page.has_more ? page.next_cursor : null;
  } while (cursor && count < max);
  return count;
}

/** `for await` over the SDK's list against a hand-written fetch loop over the same pages. */
export const sdkOverhead: Workload = {
  id: "sdk-overhead",
  title: "SDK overhead",
  measure: "time to iterate 100 k events with `for await` over `events.list()`",
  baseline: "a hand-written `fetch` loop over the same pages",
  goal: "≤ 1.1",
  datasets: ["medium"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.sdkOverhead;
    const client = createClient(context.server.url, context.medium.api_key);
    const headers = bearer(context.medium);
    const sdkIterate = async () => {
      let count = 0;
      for await (const _event of client.iterate({ limit: sizes.pageLimit })) {
        count += 1;
        if (count >= sizes.events) break;
      }
      return count;
    };
    const loop = () => fetchLoop(context.server.url, headers, sizes.pageLimit, sizes.events);
    await sdkIterate();
    await loop();
    const sdkTimes: number[] = [];
    const fetchTimes: number[] = [];
    let counted = 0;
    for (let round = 0; round < sizes.rounds; round++) {
      const sides = round % 2 === 0 ? ["sdk", "fetch"] : ["fetch", "sdk"];
      for (const side of sides) {
        const started = performance.now();
        const count = side === "sdk" ? await sdkIterate() : await loop();
        (side === "sdk" ? sdkTimes : fetchTimes).push(performance.now() - started);
        counted = count;
      }
    }
    const measured = summarize(sdkTimes);
    const baseline = summarize(fetchTimes);
    const ratio = measured.median / baseline.median;
    return {
      sizes: `${formatCount(counted)} events of the ${formatCount(context.sizes.mediumRows)}-event project, ${sizes.pageLimit}-event pages`,
      warmup: "one full iteration on each side",
      repetitions: `${sizes.rounds} alternating rounds per side`,
      rows: [
        {
          name: `iterate ${formatCount(counted)} events`,
          measured: {
            label: "SDK for await",
            unit: "ms",
            summary: measured,
          },
          baseline: { label: "fetch loop", unit: "ms", summary: baseline },
          ratio: { value: ratio, label: "SDK / fetch loop" },
          goals: [atMost(ratio, 1.1)],
        },
      ],
      notes: [],
    };
  },
};
