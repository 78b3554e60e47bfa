import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ulid } from "ulid";
import { benchEvents } from "../lib/event-generator.js";
import { type Column, eventColumns, writableColumns } from "../lib/events-table.js";
import { expectAllAnswered, runLoad } from "../lib/http-load.js";
import { settleRound } from "../lib/postgres.js";
import { run, withCpuShare } from "../lib/processes.js";
import { atLeast } from "../lib/results.js";
import { median, summarize } from "../lib/stats.js";
import { describeWaits, sampleWaits } from "../lib/wait-sampler.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";

/** Columns that must differ per inserted row: every column of a unique index but project_id. */
async function uniqueColumns(context: BenchContext): Promise<Set<string>> {
  const result = await context.pool.query<{ name: string }>(
    `SELECT DISTINCT a.attname AS name
       FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
      WHERE t.relname = 'events' AND i.indisunique`,
  );
  return new Set(result.rows.map((row) => row.name).filter((name) => name !== "project_id"));
}

function uniqueExpression(column: Column): string {
  if (/int|numeric/.test(column.type)) return "nextval('bench_pgbench_seq')";
  if (column.type === "uuid") return "gen_random_uuid()";
  // The partition key is in every unique key of a partitioned table (migration 0008).
  if (column.type.startsWith("timestamp")) return "clock_timestamp()";
  if (column.name === "id") return "'evt_' || upper(substr(md5(random()::text), 1, 26))";
  return "md5(random()::text || clock_timestamp()::text)";
}

/**
 * The pgbench script: one single-row INSERT per transaction into the events table itself,
 * a copy of a row the server wrote, moved to its own project with fresh unique values.
 */
async function pgbenchScript(context: BenchContext, projectId: string): Promise<string> {
  const columns = writableColumns(await eventColumns(context.pool));
  const unique = await uniqueColumns(context);
  await context.pool.query("DROP TABLE IF EXISTS bench_event_template");
  await context.pool.query(
    "CREATE TABLE bench_event_template AS SELECT * FROM events WHERE project_id = $1 ORDER BY seq DESC LIMIT 1",
    [context.ingest.project_id],
  );
  await context.pool.query("DROP SEQUENCE IF EXISTS bench_pgbench_seq");
  await context.pool.query("CREATE SEQUENCE bench_pgbench_seq");
  const names = columns.map((column) => `"${column.name}"`).join(", ");
  const values = columns
    .map((column) => {
      if (column.name === "project_id") return `'${projectId}'`;
      if (unique.has(column.name)) return uniqueExpression(column);
      return `"${column.name}"`;
    })
    .join(", ");
  return `INSERT INTO events (${names}) SELECT ${values} FROM bench_event_template;\n`;
}

/** Latencies in ms from pgbench's per-transaction logs (4th field: latency in µs). */
function readPgbenchLatencies(directory: string, prefix: string): number[] {
  const latencies: number[] = [];
  for (const file of readdirSync(directory).filter((name) => name.startsWith(prefix))) {
    for (const line of readFileSync(join(directory, file), "utf8").split("\n")) {
      const micros = Number(line.split(" ")[2]);
      if (Number.isFinite(micros) && line) latencies.push(micros / 1000);
    }
  }
  return latencies;
}

/**
 * POST /v1/events at 8 concurrent clients (each request a new event with its own
 * Idempotency-Key, as the SDK sends) against pgbench's single-row INSERTs at 8 clients on
 * the same cluster and commit settings.
 */
export const singleIngest: Workload = {
  id: "single-ingest",
  title: "Single-event ingest",
  measure: "requests/s and p99 of `POST /v1/events` at 8 concurrent clients",
  baseline:
    "`pgbench` single-row `INSERT`s into the events table at 8 clients, same commit settings",
  goal: "≥ 0.3",
  datasets: [],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.singleIngest;
    const pgbenchProject = await context.chronicle.createProject("bench-pgbench-baseline");
    const generator = benchEvents(202);
    const post = (seconds: number) =>
      runLoad({
        url: context.server.url,
        method: "POST",
        path: "/v1/events",
        connections: sizes.clients,
        durationSeconds: seconds,
        headers: {
          authorization: `Bearer ${context.ingest.api_key}`,
          "content-type": "application/json",
        },
        nextRequest: () => ({
          body: JSON.stringify(generator.next()),
          headers: { "idempotency-key": ulid() },
        }),
      });
    await post(sizes.warmupSeconds);

    const scriptFile = join(context.workDir, "pgbench-insert.sql");
    writeFileSync(scriptFile, await pgbenchScript(context, pgbenchProject.project_id));
    const pgbench = async (seconds: number, logPrefix: string) => {
      const args = [
        "-n",
        "-c",
        String(sizes.clients),
        "-j",
        "2",
        "-T",
        String(seconds),
        "-f",
        scriptFile,
      ];
      if (logPrefix) args.push("-l", `--log-prefix=${join(context.workDir, logPrefix)}`);
      const output = await run("pgbench", [...args, context.databaseUrl], { cwd: context.workDir });
      const tps = /tps = ([\d.]+)/.exec(output)?.[1];
      if (!tps) throw new Error(`pgbench printed no tps: ${output}`);
      return Number(tps);
    };
    await pgbench(sizes.warmupSeconds, "");

    const chronicle: number[] = [];
    const baseline: number[] = [];
    const chronicleLatencies: number[] = [];
    const cpuShares: number[] = [];
    for (let round = 0; round < sizes.rounds; round++) {
      const sides = round % 2 === 0 ? ["chronicle", "pgbench"] : ["pgbench", "chronicle"];
      for (const side of sides) {
        await settleRound(context.pool, context.log);
        if (side === "chronicle") {
          const { result, share } = await withCpuShare(context.server.pid, () =>
            post(sizes.seconds),
          );
          cpuShares.push(share);
          expectAllAnswered(result, `POST /v1/events`);
          chronicle.push(result.requestsPerSecond);
          chronicleLatencies.push(...result.latencies);
        } else {
          baseline.push(await pgbench(sizes.seconds, `pgbench-log-${round}`));
        }
      }
    }
    const pgbenchLatencies = readPgbenchLatencies(context.workDir, "pgbench-log-");
    // A diagnostic round, not counted: where the database sessions wait under this load.
    const waits = await sampleWaits(context.pool, () => post(sizes.seconds));
    const measured = summarize(chronicle);
    const reference = summarize(baseline);
    const ratio = measured.median / reference.median;
    const latency = summarize(chronicleLatencies);
    return {
      sizes: `${sizes.clients} concurrent clients (keep-alive connections, one request in flight each), ${sizes.seconds} s per round; pgbench -c ${sizes.clients} -j 2`,
      warmup: `${sizes.warmupSeconds} s on each side`,
      repetitions: `${sizes.rounds} alternating rounds per side, each started settled (CHECKPOINT, no autovacuum busy)`,
      rows: [
        {
          name: "POST /v1/events, 8 clients",
          measured: { label: "Chronicle", unit: "req/s", summary: measured, latencyMs: latency },
          baseline: {
            label: "pgbench INSERT",
            unit: "tx/s",
            summary: reference,
            latencyMs: summarize(pgbenchLatencies),
          },
          ratio: { value: ratio, label: "Chronicle / pgbench" },
          goals: [atLeast(ratio, 0.3)],
        },
      ],
      notes: [
        `The server process used ${Math.round(median(cpuShares) * 100)} % of its core during the Chronicle rounds (median; /proc/<pid>/stat).`,
        `Where Chronicle's database sessions were, sampled every 20 ms from \`pg_stat_activity\` in an extra, uncounted round: ${describeWaits(waits)}.`,
        "Both sides run under the cluster's own commit settings (see the run's `synchronous_commit` / `fsync` above). pgbench's INSERT skips what a recorded event needs beyond the row: the key lookup, the rate-limit counter, the project row lock that orders `seq`, the hash chain and the idempotency record.",
      ],
    };
  },
};
