/**
 * `pnpm bench`: starts a dedicated PostgreSQL database and the Chronicle server (pinned to
 * core 0; this process runs on core 1), seeds the large datasets by COPY, runs every
 * workload against its baseline in alternating rounds, prints the table, writes the
 * results file and renders docs/benchmarks.md with its chart.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createPostgresDatabase } from "@chronicle/test-kit";
import pg from "pg";
import { FULL, QUICK } from "./config.js";
import { detectPinning } from "./lib/affinity.js";
import { parseArgs } from "./lib/args.js";
import { Chronicle } from "./lib/chronicle.js";
import { BENCH_START } from "./lib/event-generator.js";
import { postgresFacts, postgresServerUrl, settleWrites } from "./lib/postgres.js";
import type { BenchResults, WorkloadReport } from "./lib/results.js";
import { type SeedSpec, seedProjects } from "./lib/seed.js";
import type { BenchContext } from "./lib/workload.js";
import { renderChart } from "./render/chart.js";
import { consoleTable } from "./render/console.js";
import { renderMarkdown } from "./render/markdown.js";
import { ensureConsoleBuilt } from "./workloads/console.js";
import { WORKLOADS } from "./workloads/index.js";
import { RETENTION_MONTH } from "./workloads/retention.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const startedAt = performance.now();

function log(message: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

function writeDocs(results: BenchResults): void {
  const docsDir = join(repoRoot, "docs");
  const chartName = "benchmarks.svg";
  writeFileSync(join(docsDir, chartName), renderChart(results));
  writeFileSync(
    join(docsDir, "benchmarks.md"),
    renderMarkdown(results, join(repoRoot, "bench/notes"), chartName),
  );
  // The repository lints docs too: leave the generated page as Biome would format it.
  const biome = join(repoRoot, "node_modules/.bin/biome");
  try {
    execFileSync(biome, ["format", "--write", join(docsDir, "benchmarks.md")], { stdio: "ignore" });
  } catch {
    log("biome could not format docs/benchmarks.md");
  }
  log(`wrote docs/benchmarks.md and docs/${chartName}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.renderOnly) {
    writeDocs(JSON.parse(readFileSync(args.renderOnly, "utf8")) as BenchResults);
    return;
  }
  const mode = args.quick ? "quick" : "full";
  const sizes = args.quick ? QUICK : FULL;
  // bench/results.json is the published run's (committed, docs/benchmarks.md is rendered
  // from it): a quick or partial run never writes over it unless told to with --out.
  const suffix = args.quick ? ".quick" : args.only ? ".partial" : "";
  const out = resolve(args.out ?? join(repoRoot, `bench/results${suffix}.json`));
  const workloads = WORKLOADS.filter((workload) => !args.only || args.only.includes(workload.id));
  if (workloads.length === 0)
    throw new Error(`--only matched no workload (${WORKLOADS.map((w) => w.id).join(", ")})`);

  const workDir = mkdtempSync(join(tmpdir(), "chronicle-bench-"));
  const pinning = detectPinning();
  log(
    `${mode} run; server ${pinning.server}, load generator ${pinning.loadGenerator}; logs in ${workDir}`,
  );

  const database = await createPostgresDatabase("bench", {
    serverUrl: await postgresServerUrl(repoRoot),
  });
  const databaseUrl = database.url;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle connection ended from outside (a restart, another run dropping databases) must
  // fail the workload that next uses the pool, not kill the run with an unhandled 'error'.
  pool.on("error", (error) => log(`bench pool: idle connection lost (${error.message})`));
  const chronicle = new Chronicle({ databaseUrl, dataDir: join(workDir, "unused") });
  const serverNodeFlags = args.cpuProfile
    ? ["--cpu-prof", `--cpu-prof-dir=${join(workDir, "profiles")}`]
    : [];
  if (args.cpuProfile) mkdirSync(join(workDir, "profiles"), { recursive: true });

  const reports: WorkloadReport[] = [];
  let server: BenchContext["server"] | undefined;
  try {
    log(`database ${database.name}: migrating`);
    await chronicle.migrate();
    const ingest = await chronicle.createProject("bench-ingest");
    const large = await chronicle.createProject("bench-large");
    const medium = await chronicle.createProject("bench-medium");
    const growth = await chronicle.createProject("bench-growth");
    const retention = await chronicle.createProject("bench-retention");
    const needs = new Set(workloads.flatMap((workload) => workload.datasets));
    const specs: SeedSpec[] = [];
    if (needs.has("large") || needs.has("growth") || needs.has("retention"))
      specs.push({ projectId: large.project_id, count: sizes.largeRows, seed: 1 });
    if (needs.has("medium"))
      specs.push({ projectId: medium.project_id, count: sizes.mediumRows, seed: 2 });
    if (needs.has("growth")) {
      specs.push({
        projectId: growth.project_id,
        count: sizes.largeRows * sizes.growth.factor,
        seed: 0,
        copyOf: { projectId: large.project_id, count: sizes.largeRows },
      });
    }
    if (needs.has("retention")) {
      specs.push({
        projectId: retention.project_id,
        count: Math.min(sizes.largeRows, sizes.retention.rows),
        seed: 0,
        copyOf: {
          projectId: large.project_id,
          count: sizes.largeRows,
          shiftSeconds: (RETENTION_MONTH - BENCH_START) / 1000,
        },
      });
    }
    if (specs.length > 0) {
      await seedProjects(pool, specs, log);
      log("VACUUM ANALYZE");
      await pool.query("VACUUM ANALYZE");
      await settleWrites(pool, log);
    }
    if (workloads.some((workload) => workload.id === "console")) ensureConsoleBuilt(repoRoot, log);
    server = await chronicle.serve({
      name: "chronicle-postgres",
      pinning,
      logDir: workDir,
      nodeFlags: serverNodeFlags,
    });
    log(`server ${server.url} (pid ${server.pid})`);
    const context: BenchContext = {
      mode,
      sizes,
      repoRoot,
      workDir,
      pinning,
      databaseUrl,
      pool,
      chronicle,
      server,
      ingest,
      large,
      medium,
      growth,
      retention,
      serverNodeFlags,
      log,
    };
    for (const workload of workloads) {
      log(`workload ${workload.id}`);
      const started = performance.now();
      const base = {
        id: workload.id,
        title: workload.title,
        measure: workload.measure,
        baseline: workload.baseline,
        goal: workload.goal,
      };
      try {
        const outcome = await workload.run(context);
        reports.push({ ...base, ...outcome, durationMs: performance.now() - started });
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`workload ${workload.id} failed: ${message}`);
        reports.push({
          ...base,
          sizes: "",
          warmup: "",
          repetitions: "",
          rows: [],
          notes: [],
          durationMs: performance.now() - started,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  } finally {
    await server?.stop();
    const facts = await postgresFacts(pool).catch(() => ({ version: "unknown", settings: {} }));
    await pool.end();
    if (args.keepDatabase) log(`database ${database.name} kept (--keep-db)`);
    else await database.drop().catch(() => undefined);
    const results: BenchResults = {
      mode,
      startedAt: new Date(Date.now() - (performance.now() - startedAt)).toISOString(),
      durationMs: performance.now() - startedAt,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        node: process.version,
        postgres: facts.version,
        postgresSettings: facts.settings,
        pinning: { server: pinning.server, loadGenerator: pinning.loadGenerator },
      },
      workloads: reports,
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${consoleTable(results)}\n`);
    log(`wrote ${relative(process.cwd(), out)}`);
    if (args.docs) writeDocs(results);
    if (args.cpuProfile) log(`server CPU profiles in ${join(workDir, "profiles")}`);
    else if (reports.some((report) => report.error)) log(`server logs kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
  if (reports.some((report) => report.error)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
