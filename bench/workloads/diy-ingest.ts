import { ulid } from "ulid";
import { createDiyTables, DIY_TABLES, dropDiyTables, startDiyServer } from "../lib/diy-servers.js";
import { benchEvents } from "../lib/event-generator.js";
import { expectAllAnswered, type LoadResult, runLoad } from "../lib/http-load.js";
import { settleRound } from "../lib/postgres.js";
import type { ChildServer } from "../lib/processes.js";
import { withCpuShare } from "../lib/processes.js";
import { atLeast, type Goal, type Measurement, type ResultRow } from "../lib/results.js";
import { median, summarize } from "../lib/stats.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { formatCount } from "../lib/workload.js";

type Side = "chronicle" | "express" | "fastify" | "expressLean";

const SIDES: Side[] = ["chronicle", "express", "fastify", "expressLean"];

const LABELS: Record<Side, string> = {
  chronicle: "Chronicle",
  express: "Express + pg, same indexes",
  fastify: "Fastify + pg, same indexes",
  expressLean: "Express + pg, lean 5 indexes",
};

/** Request bodies made up front (cycled), so generating them costs the load generator nothing. */
const BODIES_PER_SCENARIO = 64;

interface Scenario {
  name: string;
  /** Events per request: 1 is `POST /v1/events`, more is `POST /v1/events/batch`. */
  batchSize: number;
  connections: number;
  goal: number;
}

interface Target {
  url: string;
  prefix: string;
  pid: number;
  headers: Record<string, string>;
}

function bodies(batchSize: number, seed: number): string[] {
  const generator = benchEvents(seed);
  return Array.from({ length: BODIES_PER_SCENARIO }, () =>
    batchSize === 1
      ? JSON.stringify(generator.next())
      : JSON.stringify({ events: generator.take(batchSize) }),
  );
}

/**
 * Chronicle's ingest against what a team would write instead: minimal Express and Fastify
 * endpoints on `pg` that INSERT the same events into a copy of the events table carrying all
 * of its indexes (read from the catalog), and into a lean five-index copy (shown only).
 */
export const diyIngest: Workload = {
  id: "diy-ingest",
  title: "Ingest against do-it-yourself endpoints",
  measure:
    "events/s of `POST /v1/events` (8 clients) and `POST /v1/events/batch` (100 and 1000 events, 4 clients)",
  baseline:
    "a minimal Express 5 (and Fastify) endpoint on `pg`: one `INSERT` per request (multi-row for batches) into a copy of the events table with the same indexes",
  goal: "single ≥ 0.6 of Express; batches ≥ 0.8 of its multi-row `INSERT`",
  datasets: [],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.diyIngest;
    const scenarios: Scenario[] = [
      { name: "single event", batchSize: 1, connections: sizes.singleClients, goal: 0.6 },
      ...sizes.batchSizes.map((batchSize) => ({
        name: `${formatCount(batchSize)}-event batches`,
        batchSize,
        connections: sizes.batchClients,
        goal: 0.8,
      })),
    ];
    await createDiyTables(context);
    const servers: ChildServer[] = [];
    const rows: ResultRow[] = [];
    const cpuNotes: string[] = [];
    try {
      const express = await startDiyServer(context, "express");
      servers.push(express);
      const fastify = await startDiyServer(context, "fastify");
      servers.push(fastify);
      const targets: Record<Side, Target> = {
        chronicle: {
          url: context.server.url,
          prefix: "",
          pid: context.server.pid,
          headers: { authorization: `Bearer ${context.ingest.api_key}` },
        },
        express: { url: express.url, prefix: `/${DIY_TABLES.same}`, pid: express.pid, headers: {} },
        fastify: { url: fastify.url, prefix: `/${DIY_TABLES.same}`, pid: fastify.pid, headers: {} },
        expressLean: {
          url: express.url,
          prefix: `/${DIY_TABLES.lean}`,
          pid: express.pid,
          headers: {},
        },
      };
      for (const [index, scenario] of scenarios.entries()) {
        const prepared = bodies(scenario.batchSize, 300 + index);
        let next = 0;
        const path = scenario.batchSize === 1 ? "/v1/events" : "/v1/events/batch";
        const perClient = Math.max(1, Math.round(sizes.batchEventsPerClient / scenario.batchSize));
        const load = async (side: Side, seconds: number, warmup = false): Promise<LoadResult> => {
          const target = targets[side];
          const amount =
            scenario.batchSize === 1 ? undefined : scenario.connections * (warmup ? 1 : perClient);
          const result = await runLoad({
            amount,
            url: target.url,
            method: "POST",
            path: `${target.prefix}${path}`,
            connections: scenario.connections,
            durationSeconds: seconds,
            headers: { ...target.headers, "content-type": "application/json" },
            nextRequest: () => ({
              body: prepared[next++ % prepared.length] as string,
              // Chronicle's SDK sends one with every write; the DIY endpoints ignore it.
              headers: { "idempotency-key": ulid() },
            }),
          });
          expectAllAnswered(result, `${LABELS[side]}, ${scenario.name}`);
          return result;
        };
        const rates = Object.fromEntries(SIDES.map((side) => [side, [] as number[]])) as Record<
          Side,
          number[]
        >;
        const latencies = Object.fromEntries(SIDES.map((side) => [side, [] as number[]])) as Record<
          Side,
          number[]
        >;
        const cpu = Object.fromEntries(SIDES.map((side) => [side, [] as number[]])) as Record<
          Side,
          number[]
        >;
        for (const side of SIDES) await load(side, sizes.warmupSeconds, true);
        for (let round = 0; round < sizes.rounds; round++) {
          const order = SIDES.map((_, at) => SIDES[(at + round) % SIDES.length] as Side);
          for (const side of order) {
            await settleRound(context.pool, context.log);
            const { result, share } = await withCpuShare(targets[side].pid, () =>
              load(side, sizes.seconds),
            );
            rates[side].push(result.requestsPerSecond * scenario.batchSize);
            latencies[side].push(...result.latencies);
            cpu[side].push(share);
          }
        }
        const measurement = (side: Side): Measurement => ({
          label: LABELS[side],
          unit: "events/s",
          summary: summarize(rates[side]),
          latencyMs: summarize(latencies[side]),
        });
        const chronicle = measurement("chronicle");
        for (const side of ["express", "fastify", "expressLean"] as const) {
          const baseline = measurement(side);
          const ratio = chronicle.summary.median / baseline.summary.median;
          const goals: Goal[] = side === "express" ? [atLeast(ratio, scenario.goal)] : [];
          rows.push({
            name: `${scenario.name} vs ${LABELS[side]}`,
            measured: chronicle,
            baseline,
            ratio: { value: ratio, label: `Chronicle / ${LABELS[side]}` },
            goals,
            ...(goals.length === 0 ? { goalText: "shown only" } : {}),
          });
        }
        cpuNotes.push(
          `${scenario.name}: ${SIDES.map((side) => `${LABELS[side]} ${Math.round(median(cpu[side]) * 100)} %`).join(", ")}`,
        );
      }
    } finally {
      for (const server of servers) await server.stop();
      await dropDiyTables(context);
    }
    return {
      sizes: `single events at ${sizes.singleClients} clients for ${sizes.seconds} s per round; batches of ${sizes.batchSizes.map(formatCount).join(" and ")} at ${sizes.batchClients} clients, ${formatCount(sizes.batchEventsPerClient)} events per client per round (autocannon, keep-alive, one request in flight each); ${BODIES_PER_SCENARIO} request bodies per scenario, cycled`,
      warmup: `${sizes.warmupSeconds} s per side (single), one request per client (batches)`,
      repetitions: `${sizes.rounds} rounds of the four sides per scenario, order rotated per round; every round starts settled (CHECKPOINT, no autovacuum busy)`,
      rows,
      notes: [
        `The same-index tables are made at the start of the workload from \`pg_indexes\` of the migrated \`events\` table (bench/lib/events-copy.ts), so they follow the schema; the lean table has the primary key, the unique \`(project_id, id)\` and b-trees on action, actor id and occurred_at. Both start empty, while \`events\` holds whatever the run seeded before.`,
        "The DIY endpoints compute the same stored columns as Chronicle (search text, target keys, changed fields) and send one statement per request; they have no key lookup, rate limit, idempotency, hash chain or per-project ordering. Every process runs on the server core.",
        `Server CPU per side (median share of the core, /proc/<pid>/stat): ${cpuNotes.join("; ")}.`,
      ],
    };
  },
};
