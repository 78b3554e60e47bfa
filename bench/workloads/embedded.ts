import { join } from "node:path";
import { benchCursorSecret, Chronicle } from "../lib/chronicle.js";
import { cursorAtDepth } from "../lib/cursor.js";
import { benchEvents } from "../lib/event-generator.js";
import type { ResultRow } from "../lib/results.js";
import { createClient } from "../lib/sdk.js";
import { seedColumns } from "../lib/seed.js";
import { seedPglite } from "../lib/seed-pglite.js";
import { type Summary, summarize } from "../lib/stats.js";
import { getter, interleave } from "../lib/timing.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";

function latencyRow(
  name: string,
  pglite: Summary,
  postgres: Summary,
  stat: "median" | "p95",
): ResultRow {
  return {
    name,
    measured: { label: "PGlite", unit: "ms", summary: pglite },
    baseline: { label: "PostgreSQL", unit: "ms", summary: postgres },
    ratio: {
      value: pglite[stat] / postgres[stat],
      label: `PGlite / PostgreSQL (${stat === "median" ? "p50" : "p95"})`,
    },
    goals: [],
    goalText: "reported as a ratio",
  };
}

/**
 * The batch ingest, page and search workloads on the embedded PGlite store, interleaved
 * with the same requests to the PostgreSQL server of the same run (same rows: both seeded
 * from the same generator seed).
 */
export const embedded: Workload = {
  id: "embedded",
  title: "Embedded store (PGlite)",
  measure: "the batch ingest, page and search workloads on PGlite",
  baseline: "the PostgreSQL figures of the same run (same rows, same requests)",
  goal: "reported as ratios",
  datasets: ["medium"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.embedded;
    const rows = Math.min(sizes.rows, context.sizes.mediumRows);
    const dataDir = join(context.workDir, "pglite");
    const pglite = new Chronicle({ databaseUrl: undefined, dataDir });
    await pglite.migrate();
    const ingest = await pglite.createProject("bench-ingest");
    const data = await pglite.createProject("bench-medium");
    const columns = await seedColumns(context.pool);
    await seedPglite(
      dataDir,
      columns,
      { projectId: data.project_id, count: rows, seed: 2 },
      context.log,
    );
    const server = await pglite.serve({
      name: "chronicle-pglite",
      pinning: context.pinning,
      logDir: context.workDir,
      nodeFlags: context.serverNodeFlags,
    });
    try {
      // Ingest: alternate a round of batches on each store.
      const pgClient = createClient(context.server.url, context.ingest.api_key);
      const liteClient = createClient(server.url, ingest.api_key);
      const generator = benchEvents(303);
      const batch = context.sizes.batchIngest.batchSize;
      await pgClient.batch(generator.take(batch));
      await liteClient.batch(generator.take(batch));
      const rates = { pg: [] as number[], lite: [] as number[] };
      for (let round = 0; round < sizes.rounds; round++) {
        const sides = round % 2 === 0 ? (["lite", "pg"] as const) : (["pg", "lite"] as const);
        for (const side of sides) {
          const client = side === "pg" ? pgClient : liteClient;
          const batches = Array.from({ length: sizes.batchesPerRound }, () =>
            generator.take(batch),
          );
          const started = performance.now();
          for (const events of batches) await client.batch(events);
          rates[side].push(
            (sizes.batchesPerRound * batch) / ((performance.now() - started) / 1000),
          );
        }
      }

      // Page and search: the same requests on both, the PostgreSQL side on the medium project.
      const depth = rows - 50;
      // Both servers sign cursors with the run's token secret (BENCH_SECRETS).
      const secret = benchCursorSecret();
      const pgDeep = await cursorAtDepth({
        baseUrl: context.server.url,
        path: "/v1/events",
        headers: bearer(context.medium),
        secret,
        depth,
      });
      const liteDeep = await cursorAtDepth({
        baseUrl: server.url,
        path: "/v1/events",
        headers: bearer(data),
        secret,
        depth,
      });
      const probe = (base: string, project: typeof data, path: string) =>
        getter(`${base}${path}`, bearer(project));
      const deepPath = (cursor: string) =>
        `/v1/events?limit=50&cursor=${encodeURIComponent(cursor)}`;
      const paths = {
        first: "/v1/events?limit=50",
        searchCommon: "/v1/events?search=linus",
        searchActor: "/v1/events?search=usr_0042_3",
      };
      const timed = await interleave(
        {
          liteFirst: probe(server.url, data, paths.first),
          pgFirst: probe(context.server.url, context.medium, paths.first),
          liteDeep: probe(server.url, data, deepPath(liteDeep.cursor)),
          pgDeep: probe(context.server.url, context.medium, deepPath(pgDeep.cursor)),
          liteSearchCommon: probe(server.url, data, paths.searchCommon),
          pgSearchCommon: probe(context.server.url, context.medium, paths.searchCommon),
          liteSearchActor: probe(server.url, data, paths.searchActor),
          pgSearchActor: probe(context.server.url, context.medium, paths.searchActor),
        },
        {
          rounds: 2,
          perRound: Math.max(1, Math.round(sizes.requests / 2)),
          warmup: sizes.warmupRequests,
        },
      );
      const get = (name: keyof typeof timed) => timed[name];
      const lite = summarize(rates.lite);
      const pg = summarize(rates.pg);
      return {
        sizes: `${formatCount(rows)} seeded events on each store (same generator seed); ${sizes.batchesPerRound} × ${formatCount(batch)}-event batches per ingest round`,
        warmup: `one batch and ${sizes.warmupRequests} requests of each kind per store`,
        repetitions: `${sizes.rounds} alternating ingest rounds per store; 2 rotated rounds × ${Math.max(1, Math.round(sizes.requests / 2))} requests of each read`,
        rows: [
          {
            name: "batch ingest",
            measured: { label: "PGlite", unit: "events/s", summary: lite },
            baseline: { label: "PostgreSQL", unit: "events/s", summary: pg },
            ratio: { value: lite.median / pg.median, label: "PGlite / PostgreSQL" },
            goals: [],
            goalText: "reported as a ratio",
          },
          latencyRow("first page (p50)", get("liteFirst"), get("pgFirst"), "median"),
          latencyRow(
            `page ${formatCount(depth)} deep (p50)`,
            get("liteDeep"),
            get("pgDeep"),
            "median",
          ),
          latencyRow(
            "search, common word (p95)",
            get("liteSearchCommon"),
            get("pgSearchCommon"),
            "p95",
          ),
          latencyRow(
            "search, one actor (p95)",
            get("liteSearchActor"),
            get("pgSearchActor"),
            "p95",
          ),
        ],
        notes: [
          "PGlite is one connection inside the server process (on the server's core): every query, the ingest's transactions included, is serialised; PostgreSQL's backends run on any core.",
          `The deep cursors were ${liteDeep.how === pgDeep.how ? liteDeep.how : `${liteDeep.how} (PGlite) and ${pgDeep.how} (PostgreSQL)`}: re-signed with the run's configured token secret, or reached by walking 200-row pages.`,
        ],
      };
    } finally {
      await server.stop();
    }
  },
};
