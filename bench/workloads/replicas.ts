import { setTimeout as sleep } from "node:timers/promises";
import { freePort, waitForReplicas } from "@chronicle/test-kit";
import { ulid } from "ulid";
import type { Project } from "../lib/chronicle.js";
import { createDiyTables, DIY_TABLES, dropDiyTables, startDiyServer } from "../lib/diy-servers.js";
import { benchEvents } from "../lib/event-generator.js";
import { expectAllAnswered, runLoad } from "../lib/http-load.js";
import type { ChildServer } from "../lib/processes.js";
import { atLeast, atMost, type ResultRow } from "../lib/results.js";
import { summarize } from "../lib/stats.js";
import { describeWaits, lockShare, sampleWaits } from "../lib/wait-sampler.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";

/** Chronicle's replicas as they come, Chronicle's replicas forwarding appends, the DIY endpoint. */
type Side = "chronicle" | "forwarded" | "diy";

/** The forwarding replicas' shared secret (docs/scaling.md, "One project's appends on one replica"). */
const REPLICA_SECRET = "bench-replica-secret-0123456789abcdef";

const BODIES = 256;

interface Mode {
  name: string;
  projects: Project[];
}

/** `count` fresh projects, made a few at a time (each is a CLI run). */
async function createProjects(context: BenchContext, count: number): Promise<Project[]> {
  const projects: Project[] = [];
  for (let start = 0; start < count; start += 4) {
    const names = Array.from(
      { length: Math.min(4, count - start) },
      (_, index) => `bench-replicas-${start + index}`,
    );
    projects.push(
      ...(await Promise.all(names.map((name) => context.chronicle.createProject(name)))),
    );
  }
  return projects;
}

/**
 * `count` more Chronicle replicas that forward each project's appends to the one that owns
 * it, started together; resolves once the set in the database is all of them.
 */
async function startForwardingReplicas(
  context: BenchContext,
  count: number,
): Promise<ChildServer[]> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const servers = await Promise.all(
    ports.map((port, index) =>
      context.chronicle.serve({
        name: `chronicle-forwarding-replica-${index + 1}`,
        pinning: context.pinning,
        logDir: context.workDir,
        nodeFlags: context.serverNodeFlags,
        port,
        extraEnv: {
          CHRONICLE_REPLICA_URL: `http://127.0.0.1:${port}`,
          CHRONICLE_REPLICA_SECRET: REPLICA_SECRET,
        },
      }),
    ),
  );
  await waitForReplicas(context.pool, count);
  // The last to join is heard of by the others through a notification.
  await sleep(200);
  return servers;
}

/**
 * Single-event ingest at 32 connections spread over R = 1, 2, 4 Chronicle server processes on
 * one database, into one project and into sixteen, against the same-index DIY Express
 * endpoint run as R processes in the same rounds: does adding replicas add throughput as it
 * does for a plain INSERT endpoint?
 */
export const replicas: Workload = {
  id: "replicas",
  title: "Replicas",
  measure:
    "events/s of `POST /v1/events` at 32 connections spread over R = 1, 2, 4 server processes on one database, one project and sixteen (quick: R = 1, 2; four)",
  baseline:
    "the do-it-yourself Express + pg endpoint (same indexes) as R processes, same connections",
  goal: "R=4/R=1 scaling ≥ 0.9 × the DIY endpoint's, for both, with appends forwarded or not; lock waits < 10 % of busy samples at R = 4",
  datasets: [],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.replicas;
    const maxReplicas = Math.max(...sizes.replicas);
    const modes: Mode[] = [
      { name: "one project", projects: await createProjects(context, 1) },
      {
        name: `${sizes.manyProjects} projects`,
        projects: await createProjects(context, sizes.manyProjects),
      },
    ];
    await createDiyTables(context);
    const chronicle: ChildServer[] = [context.server];
    let forwarding: ChildServer[] = [];
    const diy: ChildServer[] = [];
    const rows: ResultRow[] = [];
    const notes: string[] = [];
    // Never both sets at once: their pools together would pass PostgreSQL's 100 connections.
    const startPlainReplicas = async () => {
      for (let index = chronicle.length; index < maxReplicas; index++) {
        chronicle.push(
          await context.chronicle.serve({
            name: `chronicle-replica-${index + 1}`,
            pinning: context.pinning,
            logDir: context.workDir,
            nodeFlags: context.serverNodeFlags,
          }),
        );
      }
    };
    const stopPlainReplicas = async () => {
      while (chronicle.length > 1) await chronicle.pop()?.stop();
    };
    try {
      await startPlainReplicas();
      for (let index = 0; index < maxReplicas; index++) {
        diy.push(await startDiyServer(context, "express", `diy-express-replica-${index + 1}`));
      }
      const generator = benchEvents(404);
      const bodies = Array.from({ length: BODIES }, () => JSON.stringify(generator.next()));
      let sent = 0;
      const load = async (mode: Mode, side: Side, count: number, seconds: number) => {
        const servers = { chronicle, forwarded: forwarding, diy }[side].slice(0, count);
        const path = side === "diy" ? `/${DIY_TABLES.same}/v1/events` : "/v1/events";
        const result = await runLoad({
          url: servers.map((server) => server.url),
          method: "POST",
          path,
          connections: sizes.connections,
          durationSeconds: seconds,
          headers: { "content-type": "application/json" },
          nextRequest: () => {
            const project = mode.projects[sent % mode.projects.length] as Project;
            const body = bodies[sent++ % bodies.length] as string;
            const headers: Record<string, string> =
              side !== "diy"
                ? { authorization: `Bearer ${project.api_key}`, "idempotency-key": ulid() }
                : { "x-project": project.project_id };
            return { body, headers };
          },
        });
        expectAllAnswered(result, `${side} R=${count}, ${mode.name}`);
        return result;
      };
      for (const mode of modes) {
        const rates = new Map<string, number[]>();
        const latencies = new Map<string, number[]>();
        const key = (side: Side, count: number) => `${side}:${count}`;
        const high = maxReplicas;
        const low = Math.min(...sizes.replicas);
        await startPlainReplicas();
        for (const count of sizes.replicas) {
          for (const side of ["chronicle", "diy"] as const) {
            await load(mode, side, count, sizes.warmupSeconds);
            rates.set(key(side, count), []);
            latencies.set(key(side, count), []);
          }
        }
        for (let round = 0; round < sizes.rounds; round++) {
          const counts = sizes.replicas.map(
            (_, at) => sizes.replicas[(at + round) % sizes.replicas.length] as number,
          );
          for (const count of counts) {
            const sides: Side[] = round % 2 === 0 ? ["chronicle", "diy"] : ["diy", "chronicle"];
            for (const side of sides) {
              const result = await load(mode, side, count, sizes.seconds);
              rates.get(key(side, count))?.push(result.requestsPerSecond);
              latencies.get(key(side, count))?.push(...result.latencies);
            }
          }
        }
        const plainWaits = await sampleWaits(
          context.pool,
          () => load(mode, "chronicle", high, sizes.seconds),
          25,
        );
        // The forwarding replicas, against R = 1 (one replica forwards nothing) in the same rounds.
        await stopPlainReplicas();
        forwarding = await startForwardingReplicas(context, maxReplicas);
        // R = 1's rates measured beside the forwarding set (its scaling's denominator).
        const aloneRates: number[] = [];
        const forwardedRates: number[] = [];
        // A fresh set: warmed longer than the long-lived replicas between their rounds.
        await load(mode, "forwarded", high, 3 * sizes.warmupSeconds);
        const forwardedLatencies: number[] = [];
        for (let round = 0; round < sizes.rounds; round++) {
          const sides: Side[] =
            round % 2 === 0 ? ["forwarded", "chronicle"] : ["chronicle", "forwarded"];
          for (const side of sides) {
            const result = await load(mode, side, side === "forwarded" ? high : low, sizes.seconds);
            if (side === "forwarded") {
              forwardedRates.push(result.requestsPerSecond);
              forwardedLatencies.push(...result.latencies);
            } else aloneRates.push(result.requestsPerSecond);
          }
        }
        rates.set(key("forwarded", high), forwardedRates);
        latencies.set(key("forwarded", high), forwardedLatencies);
        const forwardedWaits = await sampleWaits(
          context.pool,
          () => load(mode, "forwarded", high, sizes.seconds),
          25,
        );
        for (const server of forwarding) await server.stop();
        forwarding = [];
        const summaryOf = (side: Side, count: number) =>
          summarize(rates.get(key(side, count)) ?? []);
        for (const count of sizes.replicas) {
          const measured = summaryOf("chronicle", count);
          const baseline = summaryOf("diy", count);
          rows.push({
            name: `${mode.name}, R = ${count}`,
            measured: {
              label: "Chronicle",
              unit: "events/s",
              summary: measured,
              latencyMs: summarize(latencies.get(key("chronicle", count)) ?? []),
            },
            baseline: {
              label: "DIY Express",
              unit: "events/s",
              summary: baseline,
              latencyMs: summarize(latencies.get(key("diy", count)) ?? []),
            },
            ratio: { value: measured.median / baseline.median, label: "Chronicle / DIY Express" },
            goals: [],
            goalText: "shown only",
          });
        }
        rows.push({
          name: `${mode.name}, R = ${high}, appends forwarded`,
          measured: {
            label: "Chronicle, forwarding",
            unit: "events/s",
            summary: summaryOf("forwarded", high),
            latencyMs: summarize(latencies.get(key("forwarded", high)) ?? []),
          },
          baseline: {
            label: "Chronicle",
            unit: "events/s",
            summary: summaryOf("chronicle", high),
            latencyMs: summarize(latencies.get(key("chronicle", high)) ?? []),
          },
          ratio: {
            value: summaryOf("forwarded", high).median / summaryOf("chronicle", high).median,
            label: "forwarding / not",
          },
          goals: [],
          goalText: "shown only",
        });
        // The forwarding side's scaling is from the R = 1 measured beside it.
        const scaling = (side: Side) =>
          side === "forwarded"
            ? summaryOf("forwarded", high).median / summarize(aloneRates).median
            : summaryOf(side, high).median / summaryOf(side, low).median;
        for (const side of ["chronicle", "forwarded"] as const) {
          const forwarded = side === "forwarded" ? ", appends forwarded" : "";
          const ratio = scaling(side) / scaling("diy");
          rows.push({
            name: `${mode.name}, scaling R = ${high} / R = ${low}${forwarded}`,
            measured: { label: "Chronicle", unit: "×", summary: summarize([scaling(side)]) },
            baseline: { label: "DIY Express", unit: "×", summary: summarize([scaling("diy")]) },
            ratio: { value: ratio, label: "Chronicle's scaling / DIY's" },
            goals: [atLeast(ratio, 0.9)],
          });
          const waits = side === "forwarded" ? forwardedWaits : plainWaits;
          const locks = lockShare(waits);
          rows.push({
            name: `${mode.name}, lock waits at R = ${high}${forwarded}`,
            measured: {
              label: "Chronicle",
              unit: "% of busy samples",
              summary: summarize([locks * 100]),
            },
            goals: [atMost(locks, 0.1, "< 10 %", `${(locks * 100).toFixed(1)} %`)],
          });
          notes.push(
            `${mode.name}, R = ${high}${forwarded}: database sessions (\`pg_stat_activity\` every 25 ms, an extra round): ${describeWaits(waits)}.`,
          );
        }
      }
    } finally {
      for (const server of [...chronicle.slice(1), ...forwarding, ...diy]) await server.stop();
      await dropDiyTables(context);
    }
    return {
      sizes: `${sizes.connections} keep-alive connections (autocannon, one request in flight each) spread round-robin over R processes, R = ${sizes.replicas.join(", ")}, every process on the server core; several projects: requests rotate over their keys; ${sizes.seconds} s per round`,
      warmup: `${sizes.warmupSeconds} s per side and R`,
      repetitions: `${sizes.rounds} rounds per project count, R order rotated and the sides' order reversed every other round`,
      rows,
      notes: [
        ...notes,
        `Appends forwarded: after each project count's rounds, Chronicle's extra replicas are stopped and ${maxReplicas} replicas are started with \`CHRONICLE_REPLICA_URL\` and the shared \`CHRONICLE_REPLICA_SECRET\`, so each project's appends are forwarded to the replica that owns it (docs/scaling.md). They are measured at R = ${maxReplicas} in rounds alternated with Chronicle's R = 1 (one replica forwards nothing), and their scaling is from that R = 1; the DIY scaling is the one of the main rounds.`,
        "The DIY side is the same-index Express endpoint of the DIY workload (one `INSERT` per request, `seq` from an identity column); lock waits count `Lock:*` wait events among busy (non-idle) sessions of the bench database.",
      ],
    };
  },
};
