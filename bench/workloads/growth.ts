import { ulid } from "ulid";
import type { Project } from "../lib/chronicle.js";
import { benchEvents } from "../lib/event-generator.js";
import { expectAllAnswered, runLoad } from "../lib/http-load.js";
import { atLeast, atMost, type ResultRow } from "../lib/results.js";
import { createClient } from "../lib/sdk.js";
import { summarize } from "../lib/stats.js";
import { getter, timeEach } from "../lib/timing.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";
import { PROBES, type Probe } from "./filters.js";

/** The filters workload's probes, and search narrowed by another filter. */
const GROWTH_PROBES: Probe[] = [
  ...PROBES,
  {
    name: "search + workspace_id",
    path: "/v1/events?search=linus&workspace_id=ws_0042",
    search: true,
  },
];

/** Bytes of the events table (every partition, index and TOAST table) per row. */
async function storagePerEvent(context: BenchContext): Promise<{ bytes: number; rows: number }> {
  const result = await context.pool.query<{ bytes: string; rows: string }>(
    `SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('events')),
                     pg_total_relation_size('events')) AS bytes,
            (SELECT count(*) FROM events) AS rows`,
  );
  const row = result.rows[0];
  return { bytes: Number(row?.bytes) / Number(row?.rows), rows: Number(row?.rows) };
}

/** The mean size of an event as one NDJSON line (its JSON and a newline), read through the SDK. */
async function ndjsonPerEvent(context: BenchContext, sample: number): Promise<number> {
  const client = createClient(context.server.url, context.growth.api_key);
  let bytes = 0;
  let count = 0;
  for await (const event of client.iterate({ limit: 200 })) {
    bytes += Buffer.byteLength(JSON.stringify(event)) + 1;
    if (++count >= sample) break;
  }
  return bytes / count;
}

/**
 * The same reads and writes against a project of `factor` × the large project's events and
 * against the large project itself, interleaved in one run, on one table: does the cost of
 * a request stay flat as a project grows? And how many bytes does an event take at rest?
 */
export const growth: Workload = {
  id: "growth",
  title: "Growth",
  measure:
    "single-ingest events/s and every filter's and search's p95 in a project of 5 M events, against the same in the 1 M project",
  baseline: "the same request against the 1 M-event project, same run, interleaved",
  goal: "rate ≥ 0.9 ×, p95 ≤ 1.2 ×; storage per event ≤ 2.5 × its NDJSON size",
  datasets: ["large", "growth"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.growth;
    const small = context.large;
    const big = context.growth;
    const smallSize = formatCount(context.sizes.largeRows);
    const bigSize = formatCount(context.sizes.largeRows * sizes.factor);
    const rows: ResultRow[] = [];
    const notes: string[] = [];

    const generator = benchEvents(505);
    const ingest = (project: Project, seconds: number) =>
      runLoad({
        url: context.server.url,
        method: "POST",
        path: "/v1/events",
        connections: sizes.ingestClients,
        durationSeconds: seconds,
        headers: { ...bearer(project), "content-type": "application/json" },
        nextRequest: () => ({
          body: JSON.stringify(generator.next()),
          headers: { "idempotency-key": ulid() },
        }),
      });
    const rates = { small: [] as number[], big: [] as number[] };
    const ingestLatencies = { small: [] as number[], big: [] as number[] };
    await ingest(small, 1);
    await ingest(big, 1);
    for (let round = 0; round < sizes.ingestRounds; round++) {
      const order = round % 2 === 0 ? (["small", "big"] as const) : (["big", "small"] as const);
      for (const side of order) {
        const result = await ingest(side === "small" ? small : big, sizes.ingestSeconds);
        expectAllAnswered(result, `ingest into ${side}`);
        rates[side].push(result.requestsPerSecond);
        ingestLatencies[side].push(...result.latencies);
      }
    }
    const bigRate = summarize(rates.big);
    const smallRate = summarize(rates.small);
    const rateRatio = bigRate.median / smallRate.median;
    rows.push({
      name: `POST /v1/events, ${sizes.ingestClients} clients`,
      measured: {
        label: bigSize,
        unit: "req/s",
        summary: bigRate,
        latencyMs: summarize(ingestLatencies.big),
      },
      baseline: {
        label: smallSize,
        unit: "req/s",
        summary: smallRate,
        latencyMs: summarize(ingestLatencies.small),
      },
      ratio: { value: rateRatio, label: `${bigSize} / ${smallSize}` },
      goals: [atLeast(rateRatio, 0.9)],
    });

    // Uncompressed, as in the filters workload: the query's cost, not the compressor's.
    const headersOf = (project: Project) => ({ ...bearer(project), "accept-encoding": "identity" });
    const perRound = Math.max(1, Math.round(sizes.requests / sizes.rounds));
    for (const probe of GROWTH_PROBES) {
      const onSmall = getter(`${context.server.url}${probe.path}`, headersOf(small));
      const onBig = getter(`${context.server.url}${probe.path}`, headersOf(big));
      await timeEach(onSmall, 0, sizes.warmupRequests);
      await timeEach(onBig, 0, sizes.warmupRequests);
      const times = { small: [] as number[], big: [] as number[] };
      for (let round = 0; round < sizes.rounds; round++) {
        const first = round % 2 === 0;
        times[first ? "small" : "big"].push(...(await timeEach(first ? onSmall : onBig, perRound)));
        times[first ? "big" : "small"].push(...(await timeEach(first ? onBig : onSmall, perRound)));
      }
      const measured = summarize(times.big);
      const baseline = summarize(times.small);
      const ratio = measured.p95 / baseline.p95;
      rows.push({
        name: probe.name,
        measured: { label: bigSize, unit: "ms", summary: measured },
        baseline: { label: smallSize, unit: "ms", summary: baseline },
        ratio: { value: ratio, label: `p95 ${bigSize} / p95 ${smallSize}` },
        goals: [atMost(ratio, 1.2, "p95 ≤ 1.2 ×")],
      });
    }

    const stored = await storagePerEvent(context);
    const ndjson = await ndjsonPerEvent(context, sizes.ndjsonSample);
    const storageRatio = stored.bytes / ndjson;
    rows.push({
      name: "storage per event",
      measured: { label: "events table", unit: "bytes", summary: summarize([stored.bytes]) },
      baseline: { label: "NDJSON line", unit: "bytes", summary: summarize([ndjson]) },
      ratio: { value: storageRatio, label: "stored / NDJSON" },
      goals: [atMost(storageRatio, 2.5)],
    });
    notes.push(
      `Requests: the filters workload's, and \`GET ${GROWTH_PROBES.at(-1)?.path}\`; each answered by the ${bigSize}-event project and by the ${smallSize}-event one (the API key decides the project), ${perRound} requests per side per round, the side going first alternating.`,
      `Storage: \`pg_total_relation_size\` of every partition of \`events\` (heap, TOAST and every index) over its ${formatCount(stored.rows)} rows, against the mean NDJSON line of ${formatCount(sizes.ndjsonSample)} events read through the SDK.`,
      `The ${bigSize}-event project is made at seeding time inside the database from the ${smallSize} one (\`INSERT … SELECT\`, ${sizes.factor} copies shifted in seq and time, bench/lib/seed.ts): the same content shapes, so every filter selects the same share of it.`,
    );
    return {
      sizes: `${bigSize} against ${smallSize} events, both projects in one table; ingest at ${sizes.ingestClients} clients, ${sizes.ingestSeconds} s per round; default pages (50 rows)`,
      warmup: `1 s of ingest and ${sizes.warmupRequests} requests per probe on each side`,
      repetitions: `${sizes.ingestRounds} ingest rounds and ${sizes.rounds} rounds per probe, sides alternating`,
      rows,
      notes,
    };
  },
};
