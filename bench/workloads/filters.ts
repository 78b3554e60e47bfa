import type { Goal } from "../lib/results.js";
import { atMost } from "../lib/results.js";
import { summarize } from "../lib/stats.js";
import { getter, type TimedCall, timeEach } from "../lib/timing.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";

export interface Probe {
  name: string;
  path: string;
  search: boolean;
}

/**
 * Filter values picked from the generator's distributions (bench/lib/event-generator.ts); the
 * shares in the names were counted over the large project's 1 M seeded events.
 */
export const PROBES: Probe[] = [
  {
    name: "action=api_key.created (~3 %)",
    path: "/v1/events?action=api_key.created",
    search: false,
  },
  { name: "action=member.* (~14 %)", path: "/v1/events?action=member.*", search: false },
  { name: "actor_id (~400 rows per M)", path: "/v1/events?actor_id=usr_0042_3", search: false },
  { name: "actor_type=agent (~14 %)", path: "/v1/events?actor_type=agent", search: false },
  {
    name: "target_type + target_id (~2 rows)",
    path: "/v1/events?target_type=issue&target_id=iss_0042_500",
    search: false,
  },
  { name: "workspace_id (~0.5 %)", path: "/v1/events?workspace_id=ws_0042", search: false },
  {
    name: "start_time + end_time (1 h)",
    path: "/v1/events?start_time=2026-01-06T00:00:00.000Z&end_time=2026-01-06T01:00:00.000Z",
    search: false,
  },
  { name: "changed_field=ttl (~5 %)", path: "/v1/events?changed_field=ttl", search: false },
  { name: "target feed", path: "/v1/targets/issue/iss_0042_500/events", search: false },
  { name: "workspace feed", path: "/v1/workspaces/ws_0042/events", search: false },
  { name: "search, common word (~10 %)", path: "/v1/events?search=linus", search: true },
  {
    name: "search, one person (~540 rows per M)",
    path: "/v1/events?search=usr_0042_3",
    search: true,
  },
  { name: "search, needle (~2 rows)", path: "/v1/events?search=iss_0042_500", search: true },
];

/**
 * Five investigations in the query language (issue 17), measured in turn as one row whose
 * goal is the p95 over all five: verbs and prefixes, negation, OR across two indexes, a time
 * bound and free text narrowed by a workspace.
 */
const INVESTIGATIONS = [
  "action:issue.* actor:usr_0042_3 -actor_type:agent",
  "action:*.updated workspace:ws_0042 created:>=2026-01-04",
  "actor:usr_0042_3 OR on_behalf_of:usr_0042_3",
  "changed:status workspace:ws_0042 -actor_type:agent",
  "workspace:ws_0042 linus",
];

const QUERY_PROBE: Probe & { paths: string[] } = {
  name: "q=, five investigations in turn",
  path: `/v1/events?q=${encodeURIComponent(INVESTIGATIONS[0] as string)}`,
  paths: INVESTIGATIONS.map((query) => `/v1/events?q=${encodeURIComponent(query)}`),
  search: true,
};

/** Calls each of `calls` in turn, one per call. */
function inTurn(calls: TimedCall[]): TimedCall {
  let next = 0;
  return () => (calls[next++ % calls.length] as TimedCall)();
}

const NO_INDEXES = "-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off";

/**
 * Every list filter and search over the large project, through HTTP, against the same
 * request to a second Chronicle server whose connections have index scans disabled
 * (PGOPTIONS), so the baseline runs exactly the server's own SQL without its indexes.
 */
export const filters: Workload = {
  id: "filters",
  title: "Filters and search",
  measure: "p50 / p95 of each list filter and of `search` over 1 M events (50-row pages)",
  baseline:
    "the same request with index scans disabled (`enable_indexscan`, `enable_bitmapscan`, `enable_indexonlyscan` off)",
  goal: "search p95 ≤ 0.1 of the scan and ≤ 50 ms; other filters p95 ≤ 10 ms; q= investigations p95 ≤ 50 ms",
  datasets: ["large"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.filters;
    // Uncompressed (fetch asks for gzip unless told): the filter's cost, not the compressor's,
    // which the middleware workload measures.
    const headers = { ...bearer(context.large), "accept-encoding": "identity" };
    const scanServer = await context.chronicle.serve({
      name: "chronicle-postgres-no-indexes",
      pinning: context.pinning,
      logDir: context.workDir,
      nodeFlags: context.serverNodeFlags,
      // A scan of every project's events (7 M in a full run) outlasts the default 20 s bound
      // and the 10 s read budget.
      extraEnv: {
        PGOPTIONS: NO_INDEXES,
        CHRONICLE_DB_STATEMENT_TIMEOUT_MS: "600000",
        CHRONICLE_DB_READ_TIMEOUT_MS: "600000",
      },
    });
    const rows: WorkloadOutcome["rows"] = [];
    const notes: string[] = [];
    try {
      const perRound = Math.max(1, Math.round(sizes.requests / sizes.scanRequests));
      for (const probe of [...PROBES, QUERY_PROBE] as (Probe & { paths?: string[] })[]) {
        const paths = probe.paths ?? [probe.path];
        const indexed = inTurn(
          paths.map((path) => getter(`${context.server.url}${path}`, headers)),
        );
        const scan = inTurn(paths.map((path) => getter(`${scanServer.url}${path}`, headers)));
        try {
          await timeEach(indexed, 0, sizes.warmupRequests);
          if (context.mode === "quick") await timeEach(scan, 0, 1);
        } catch (error) {
          notes.push(
            `${probe.name}: not measured (${error instanceof Error ? error.message.slice(0, 200) : error}).`,
          );
          continue;
        }
        const indexedTimes: number[] = [];
        const scanTimes: number[] = [];
        for (let round = 0; round < sizes.scanRequests; round++) {
          indexedTimes.push(...(await timeEach(indexed, perRound)));
          scanTimes.push(...(await timeEach(scan, 1)));
        }
        const measured = summarize(indexedTimes);
        const baseline = summarize(scanTimes);
        const ratio = measured.p95 / baseline.p95;
        const p95 = `p95 ${measured.p95.toFixed(1)} ms`;
        const goals: Goal[] = probe.paths
          ? [atMost(measured.p95, 50, "p95 ≤ 50 ms", p95)]
          : probe.search
            ? [atMost(ratio, 0.1, "p95 ≤ 0.1 × scan"), atMost(measured.p95, 50, "p95 ≤ 50 ms", p95)]
            : [atMost(measured.p95, 10, "p95 ≤ 10 ms", p95)];
        rows.push({
          name: probe.name,
          measured: { label: "indexed", unit: "ms", summary: measured },
          baseline: { label: "no index", unit: "ms", summary: baseline },
          ratio: { value: ratio, label: "p95 indexed / p95 no index" },
          goals,
        });
      }
      notes.push(
        `Requests: \`GET ${PROBES.map((probe) => probe.path).join("`, `GET ")}\`.`,
        `The q= row sends, in turn: ${INVESTIGATIONS.map((query) => `\`${query}\``).join(", ")}.`,
        `The baseline is a second Chronicle server started with \`PGOPTIONS="${NO_INDEXES}"\`: the same SQL, planned without index paths.`,
        "Responses are read uncompressed (`Accept-Encoding: identity`) on both sides.",
      );
    } finally {
      await scanServer.stop();
    }
    return {
      sizes: `${formatCount(context.sizes.largeRows)} seeded events in one project; default page (50 rows, desc)`,
      warmup: `${sizes.warmupRequests} requests per filter on the indexed side; none on the baseline (each of its requests scans the table anyway)`,
      repetitions: `${sizes.scanRequests} rounds per filter, each ${Math.max(1, Math.round(sizes.requests / sizes.scanRequests))} indexed requests then 1 without indexes`,
      rows,
      notes,
    };
  },
};
