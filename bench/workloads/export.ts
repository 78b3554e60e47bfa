import { request } from "node:http";
import { join } from "node:path";
import type { Project } from "../lib/chronicle.js";
import { columnList, eventColumns } from "../lib/events-table.js";
import { spawnServer, withCpuShare } from "../lib/processes.js";
import { atLeast, atMost } from "../lib/results.js";
import { MB, withRssSampling } from "../lib/rss-sampler.js";
import { median, summarize } from "../lib/stats.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";

type Format = "ndjson" | "csv";

/** RSS growth below this is the allocator's and collector's noise, not the export's. */
const RSS_NOISE_MB = 8;

/**
 * Reads a body as fast as it comes, counting bytes and lines, keeping nothing. Asks for it
 * uncompressed, as COPY's is: fetch would otherwise send `Accept-Encoding: gzip, deflate`
 * and measure the server's gzip (the middleware workload measures that).
 */
async function readBody(url: string, headers: Record<string, string>) {
  const started = performance.now();
  const response = await fetch(url, { headers: { ...headers, "accept-encoding": "identity" } });
  if (!response.ok || !response.body) {
    throw new Error(`GET ${url} → ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1))
      lines += 1;
  }
  return { lines, bytes, seconds: (performance.now() - started) / 1000 };
}

/** Downloads a Chronicle export (rows: its lines, less CSV's header). */
async function download(context: BenchContext, project: Project, format: Format) {
  const body = await readBody(
    `${context.server.url}/v1/events/export?format=${format}`,
    bearer(project),
  );
  return { ...body, rows: format === "csv" ? body.lines - 1 : body.lines };
}

/** Exported rows per second, sampling the server's RSS meanwhile. */
async function measuredExport(context: BenchContext, project: Project, format: Format) {
  const { result, trace } = await withRssSampling(context.server.pid, () =>
    withCpuShare(context.server.pid, () => download(context, project, format)),
  );
  return {
    ...result.result,
    rate: result.result.rows / result.result.seconds,
    growth: trace.peak - trace.before,
    cpuShare: result.share,
  };
}

/**
 * Reads an NDJSON export at about `bytesPerSecond` for `seconds`, then goes away. Returns
 * the RSS trace of the server meanwhile.
 */
async function slowReader(context: BenchContext, seconds: number, bytesPerSecond: number) {
  const url = new URL(`${context.server.url}/v1/events/export?format=ndjson`);
  return withRssSampling(
    context.server.pid,
    () =>
      new Promise<{ bytes: number }>((resolve, reject) => {
        const started = performance.now();
        let bytes = 0;
        const req = request(url, { headers: bearer(context.large) }, (res) => {
          res.on("data", (chunk: Buffer) => {
            bytes += chunk.length;
            const elapsed = (performance.now() - started) / 1000;
            if (elapsed >= seconds) {
              req.destroy();
              resolve({ bytes });
              return;
            }
            // Pause until the byte budget for the elapsed time catches up.
            const ahead = bytes / bytesPerSecond - elapsed;
            if (ahead > 0) {
              res.pause();
              setTimeout(() => res.resume(), ahead * 1000);
            }
          });
          res.on("error", () => undefined);
          res.on("end", () => resolve({ bytes }));
        });
        req.on("error", (error) => {
          if ((error as NodeJS.ErrnoException).code !== "ECONNRESET") reject(error);
        });
        req.end();
      }),
    100,
  );
}

async function busyServerSessions(context: BenchContext): Promise<number> {
  const result = await context.pool.query<{ count: string }>(
    `SELECT count(*) AS count FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND state IN ('active', 'idle in transaction') AND backend_type = 'client backend'`,
  );
  return Number(result.rows[0]?.count ?? 0);
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

/**
 * NDJSON and CSV exports of the large project streamed over HTTP against
 * `COPY (SELECT …) TO STDOUT` of the same rows; the server's RSS growth for the large and
 * the medium export; a slow reader.
 */
export const exportWorkload: Workload = {
  id: "export",
  title: "Export",
  measure: "rows/s streaming NDJSON and CSV of 1 M events; server RSS growth",
  baseline:
    "`COPY (SELECT …) TO STDOUT` of the same rows (text format), streamed over HTTP by a server process pinned as Chronicle's",
  goal: "≥ 0.25; RSS growth for 1 M ≤ 1.2 × that for 100 k and ≤ 64 MB; a slow reader keeps memory flat",
  datasets: ["large", "medium"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.export;
    const columns = (await eventColumns(context.pool)).filter(
      (column) => column.name !== "search_text",
    );
    const copySql = `COPY (SELECT ${columnList(columns)} FROM events WHERE project_id = '${context.large.project_id}' ORDER BY seq) TO STDOUT`;
    // COPY runs in a server process of its own, pinned as Chronicle's is and read over HTTP
    // by this process as Chronicle's export is: machine load weighs on both sides alike.
    const copyServer = await spawnServer({
      name: "copy-export",
      command: [
        process.execPath,
        "--import",
        "tsx",
        join(context.repoRoot, "bench/baselines/copy-export.ts"),
      ],
      prefix: context.pinning.serverPrefix,
      env: { ...process.env, DATABASE_URL: context.databaseUrl, COPY_SQL: copySql },
      logDir: context.workDir,
      cwd: context.repoRoot,
    });
    const rates: Record<Format | "copy", number[]> = { ndjson: [], csv: [], copy: [] };
    const largeGrowth: number[] = [];
    const cpuShares: Record<Format | "copy", number[]> = { ndjson: [], csv: [], copy: [] };
    const mediumGrowth: number[] = [];
    let exportedRows = 0;
    try {
      await download(context, context.medium, "ndjson");
      for (let round = 0; round < sizes.rounds; round++) {
        const steps: (() => Promise<void>)[] = [
          async () => {
            const result = await measuredExport(context, context.medium, "ndjson");
            mediumGrowth.push(result.growth);
          },
          ...(["ndjson", "csv"] as const).map((format) => async () => {
            const result = await measuredExport(context, context.large, format);
            rates[format].push(result.rate);
            cpuShares[format].push(result.cpuShare);
            largeGrowth.push(result.growth);
            exportedRows = result.rows;
          }),
          async () => {
            const { result, share } = await withCpuShare(copyServer.pid, () =>
              readBody(`${copyServer.url}/export`, {}),
            );
            rates.copy.push(result.lines / result.seconds);
            cpuShares.copy.push(share);
          },
        ];
        const order = round % 2 === 0 ? steps : [...steps].reverse();
        for (const step of order) await step();
      }
    } finally {
      await copyServer.stop();
    }
    const slowRate = 512 * 1024;
    const slow = await slowReader(context, sizes.slowReaderSeconds, slowRate);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sessionsAfter = await busyServerSessions(context);

    const copy = summarize(rates.copy);
    const rows: WorkloadOutcome["rows"] = (["ndjson", "csv"] as const).map((format) => {
      const measured = summarize(rates[format]);
      const ratio = measured.median / copy.median;
      return {
        name: `${format.toUpperCase()} export of ${formatCount(context.sizes.largeRows)}`,
        measured: { label: "Chronicle", unit: "rows/s", summary: measured },
        baseline: { label: "COPY TO STDOUT over HTTP", unit: "rows/s", summary: copy },
        ratio: { value: ratio, label: "Chronicle / COPY" },
        goals: [atLeast(ratio, 0.25)],
      };
    });
    const large = summarize(largeGrowth.map((bytes) => bytes / MB));
    const medium = summarize(mediumGrowth.map((bytes) => bytes / MB));
    // Growths are compared from RSS_NOISE_MB up: below it RSS moves by pages the allocator
    // and the collector keep or return, not by what the export holds, and two such figures
    // (1–2 MB each once rows are released per batch, B22) make a ratio of noise.
    const growthRatio = Math.max(large.max, RSS_NOISE_MB) / Math.max(medium.max, RSS_NOISE_MB);
    rows.push({
      name: `server RSS growth, ${formatCount(context.sizes.largeRows)} vs ${formatCount(context.sizes.mediumRows)} export`,
      measured: { label: formatCount(context.sizes.largeRows), unit: "MB", summary: large },
      baseline: { label: formatCount(context.sizes.mediumRows), unit: "MB", summary: medium },
      ratio: {
        value: growthRatio,
        label: `worst growth large / worst growth medium, each at least ${RSS_NOISE_MB} MB`,
      },
      goals: [
        atMost(growthRatio, 1.2, "≤ 1.2 × the 100 k growth"),
        atMost(large.max, 64, "≤ 64 MB", `${large.max.toFixed(1)} MB`),
      ],
    });
    const quarter = slow.trace.samples.find(
      (sample) => sample.atMs >= sizes.slowReaderSeconds * 250,
    );
    const lateGrowth = slow.trace.peak - (quarter?.bytes ?? slow.trace.before);
    const slowGrowth = summarize([(slow.trace.peak - slow.trace.before) / MB]);
    rows.push({
      name: `slow reader (${slowRate / 1024} KiB/s for ${sizes.slowReaderSeconds} s)`,
      measured: { label: "RSS growth", unit: "MB", summary: slowGrowth },
      goals: [
        atMost(slowGrowth.max, 64, "growth ≤ 64 MB", mb(slow.trace.peak - slow.trace.before)),
        atMost(lateGrowth / MB, 8, "flat: ≤ 8 MB after the first quarter", mb(lateGrowth)),
      ],
    });
    return {
      sizes: `${formatCount(context.sizes.largeRows)} seeded events (${formatCount(exportedRows)} rows per export), ${formatCount(context.sizes.mediumRows)} for the RSS reference; whole body read as fast as it comes`,
      warmup: `one ${formatCount(context.sizes.mediumRows)} NDJSON export`,
      repetitions: `${sizes.rounds} rounds of (100 k NDJSON, 1 M NDJSON, 1 M CSV, COPY), order reversed every other round; RSS sampled every 50 ms from /proc/<pid>/status`,
      rows,
      notes: [
        "Exports are read uncompressed (`Accept-Encoding: identity`), like COPY's output; the compressed export is measured by the middleware workload.",
        `The server process used ${Math.round(median(cpuShares.ndjson) * 100)} % (NDJSON) and ${Math.round(median(cpuShares.csv) * 100)} % (CSV) of its core during the large exports, the COPY server ${Math.round(median(cpuShares.copy) * 100)} % (median; /proc/<pid>/stat).`,
        "The COPY baseline runs as Chronicle does: a child process on the server core streams `COPY … TO STDOUT` as an HTTP body, which this process reads with the same reader, so load on the machine slows both sides alike.",
        `RSS growth = peak during the export − RSS just before it; the worst of the rounds is compared. Server RSS at the end: ${mb(slow.trace.samples.at(-1)?.bytes ?? Number.NaN)}.`,
        `The slow reader read ${mb(slow.result.bytes)} in ${sizes.slowReaderSeconds} s and then closed the connection; 1 s later ${sessionsAfter} database session(s) were still busy (0 means the export's cursor was released).`,
      ],
    };
  },
};
