import { join } from "node:path";
import { expectAllAnswered, runLoad } from "../lib/http-load.js";
import { spawnServer, withCpuShare } from "../lib/processes.js";
import { atLeast, type Measurement } from "../lib/results.js";
import { median, summarize } from "../lib/stats.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";

type Side = "chronicle" | "bare" | "bareWithPing";

const LABELS: Record<Side, string> = {
  chronicle: "Chronicle",
  bare: "bare Express 5",
  bareWithPing: "bare Express 5 + SELECT 1",
};

/**
 * GET /v1/health through Chronicle's whole stack against a bare Express 5 app (the goal),
 * and against the bare app running a `SELECT 1` per request (shown: Chronicle's health
 * pings the database at most once a second and reuses the outcome in between).
 */
export const middleware: Workload = {
  id: "middleware",
  title: "Middleware cost",
  measure: "requests/s of `GET /v1/health` through the full middleware stack",
  baseline: "a bare Express 5 app answering the same body",
  goal: "≥ 0.6",
  datasets: [],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.middleware;
    const healthBody = await (await fetch(`${context.server.url}/v1/health`)).text();
    const bare = await spawnServer({
      name: "bare-express",
      command: [
        process.execPath,
        "--import",
        "tsx",
        join(context.repoRoot, "bench/baselines/bare-express.ts"),
      ],
      prefix: context.pinning.serverPrefix,
      env: {
        ...process.env,
        HEALTH_BODY: healthBody,
        DATABASE_URL: context.databaseUrl,
        NODE_ENV: "production",
      },
      logDir: context.workDir,
      cwd: context.repoRoot,
    });
    const targets: Record<Side, { url: string; path: string; pid: number }> = {
      chronicle: { url: context.server.url, path: "/v1/health", pid: context.server.pid },
      bare: { url: bare.url, path: "/v1/health", pid: bare.pid },
      bareWithPing: { url: bare.url, path: "/db/v1/health", pid: bare.pid },
    };
    const sides = Object.keys(targets) as Side[];
    const load = (side: Side, seconds: number) =>
      runLoad({
        url: targets[side].url,
        path: targets[side].path,
        connections: sizes.connections,
        durationSeconds: seconds,
      });
    const rates = { chronicle: [], bare: [], bareWithPing: [] } as Record<Side, number[]>;
    const latencies = { chronicle: [], bare: [], bareWithPing: [] } as Record<Side, number[]>;
    const cpu = { chronicle: [], bare: [], bareWithPing: [] } as Record<Side, number[]>;
    try {
      for (const side of sides) await load(side, sizes.warmupSeconds);
      for (let round = 0; round < sizes.rounds; round++) {
        // Rotate the order so that a drift within a round cancels out too.
        const order = sides.map((_, index) => sides[(index + round) % sides.length] as Side);
        for (const side of order) {
          const { result, share } = await withCpuShare(targets[side].pid, () =>
            load(side, sizes.seconds),
          );
          expectAllAnswered(result, `${side}`);
          rates[side].push(result.requestsPerSecond);
          latencies[side].push(...result.latencies);
          cpu[side].push(share);
        }
      }
    } finally {
      await bare.stop();
    }
    const measurement = (side: Side): Measurement => ({
      label: LABELS[side],
      unit: "req/s",
      summary: summarize(rates[side]),
      latencyMs: summarize(latencies[side]),
    });
    const chronicle = measurement("chronicle");
    const ratio = (side: Side) => chronicle.summary.median / summarize(rates[side]).median;
    const percent = (side: Side) => `${Math.round(median(cpu[side]) * 100)} %`;
    return {
      sizes: `${sizes.connections} keep-alive connections (autocannon), ${sizes.seconds} s per round`,
      warmup: `${sizes.warmupSeconds} s on each side`,
      repetitions: `${sizes.rounds} rounds of the three sides, order rotated per round`,
      rows: [
        {
          name: "GET /v1/health",
          measured: chronicle,
          baseline: measurement("bare"),
          ratio: { value: ratio("bare"), label: "Chronicle / bare Express" },
          goals: [atLeast(ratio("bare"), 0.6)],
        },
        {
          name: "GET /v1/health vs a bare app pinging per request",
          measured: chronicle,
          baseline: measurement("bareWithPing"),
          ratio: { value: ratio("bareWithPing"), label: "Chronicle / bare Express + SELECT 1" },
          goals: [],
          goalText: "shown: what the cached ping saves",
        },
      ],
      notes: [
        "Chronicle's health handler pings the database (`SELECT 1`) at most once a second and reuses the outcome in between (200 only when the database answered); the bare app's `/db/v1/health` runs `SELECT 1` on every request, so the second row shows what the cached ping saves.",
        `Server CPU during the rounds (median share of its core, /proc/<pid>/stat): Chronicle ${percent("chronicle")}, bare Express ${percent("bare")}, bare Express + SELECT 1 ${percent("bareWithPing")}. Near 100 % means the server, not the load generator, sets the pace.`,
      ],
    };
  },
};
