import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createBrotliDecompress, createGunzip } from "node:zlib";
import { ulid } from "ulid";
import type { Project } from "../lib/chronicle.js";
import { benchEvents } from "../lib/event-generator.js";
import { expectAllAnswered, runLoad } from "../lib/http-load.js";
import { type ChildServer, withCpuShare } from "../lib/processes.js";
import { atLeast, type Measurement } from "../lib/results.js";
import { type Summary, summarize } from "../lib/stats.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer } from "../lib/workload.js";

/** An OTLP/HTTP collector stand-in on loopback: accepts every export, counts the requests. */
async function otlpSink(): Promise<{
  url: string;
  exports: () => number;
  close: () => Promise<void>;
}> {
  let exports = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      exports += 1;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type Encoding = "identity" | "gzip" | "br";

/**
 * The ingest servers: all off; logs, metrics and traces with 10 % of new traces recorded
 * (the configuration docs/guides/operations.md recommends for busy servers); and the same
 * with every request traced (the default when no ratio is set).
 */
type Side = "off" | "on" | "traceAll";
const SIDES: Side[] = ["off", "on", "traceAll"];
const SAMPLE_RATIO = "0.1";

/** Downloads an NDJSON export with `encoding`, decoding it client-side to count the rows. */
function download(base: string, project: Project, encoding: Encoding) {
  const started = performance.now();
  return new Promise<{ rows: number; bytes: number; seconds: number }>((resolve, reject) => {
    const url = new URL(`${base}/v1/events/export?format=ndjson`);
    const req = request(
      url,
      { headers: { ...bearer(project), "accept-encoding": encoding } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`export (${encoding}) → ${res.statusCode}`));
          res.resume();
          return;
        }
        const sent = res.headers["content-encoding"] ?? "identity";
        if (sent !== encoding) {
          reject(new Error(`asked for ${encoding}, got ${sent}`));
          res.resume();
          return;
        }
        let bytes = 0;
        let rows = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        const decoded =
          encoding === "gzip"
            ? res.pipe(createGunzip())
            : encoding === "br"
              ? res.pipe(createBrotliDecompress())
              : res;
        decoded.on("data", (chunk: Buffer) => {
          for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) rows += 1;
        });
        decoded.on("end", () =>
          resolve({ rows, bytes, seconds: (performance.now() - started) / 1000 }),
        );
        decoded.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** `times` exports read one after the other, as one measurement (a quick export is short). */
async function downloads(base: string, project: Project, encoding: Encoding, times: number) {
  const total = { rows: 0, bytes: 0, seconds: 0 };
  for (let i = 0; i < times; i++) {
    const one = await download(base, project, encoding);
    total.rows += one.rows;
    total.bytes = one.bytes;
    total.seconds += one.seconds;
  }
  return total;
}

/**
 * What operating Chronicle costs: single-event ingest on a server with request logs at
 * info (JSON to a file), Prometheus metrics and OTLP traces exported to a local sink (10 %
 * of new traces recorded; and every request traced),
 * against the same server with all three off; and an NDJSON export compressed (gzip, br)
 * against the same export uncompressed.
 */
export const operationsWorkload: Workload = {
  id: "operations",
  title: "Logs, metrics, traces and compression",
  measure:
    "requests/s of `POST /v1/events` at 8 clients with logs, metrics and traces on (10 % of traces recorded, and all of them); rows/s of a compressed NDJSON export",
  baseline: "the same server with all three off; the same export uncompressed",
  goal: "≥ 0.95 (≤ 5 % cost); compressed export ≥ 0.8",
  datasets: ["medium"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.operations;
    const sink = await otlpSink();
    const servers: Record<Side, ChildServer | undefined> = {
      off: undefined,
      on: undefined,
      traceAll: undefined,
    };
    const rates: Record<Side, number[]> = { off: [], on: [], traceAll: [] };
    const latencies: Record<Side, number[]> = { off: [], on: [], traceAll: [] };
    // Server CPU per request: steadier than throughput when other work shares the machine.
    const cpuPerRequest: Record<Side, number[]> = { off: [], on: [], traceAll: [] };
    const exportRates: Record<Encoding, number[]> = { identity: [], gzip: [], br: [] };
    const exportCpuPerRow: Record<Encoding, number[]> = { identity: [], gzip: [], br: [] };
    const exportBytes: Record<Encoding, number> = { identity: 0, gzip: 0, br: 0 };
    let metricsCount = 0;
    try {
      servers.off = await context.chronicle.serve({
        name: "operations-off",
        pinning: context.pinning,
        logDir: context.workDir,
        nodeFlags: context.serverNodeFlags,
        extraEnv: { LOG_LEVEL: "warn", CHRONICLE_METRICS: "off" },
      });
      const observed = {
        LOG_LEVEL: "info",
        LOG_FORMAT: "json",
        CHRONICLE_METRICS_TOKEN: "bench-metrics",
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      };
      servers.on = await context.chronicle.serve({
        name: "operations-on",
        pinning: context.pinning,
        logDir: context.workDir,
        nodeFlags: context.serverNodeFlags,
        extraEnv: { ...observed, OTEL_TRACES_SAMPLER_ARG: SAMPLE_RATIO },
      });
      servers.traceAll = await context.chronicle.serve({
        name: "operations-trace-all",
        pinning: context.pinning,
        logDir: context.workDir,
        nodeFlags: context.serverNodeFlags,
        extraEnv: observed,
      });
      const project = await context.chronicle.createProject("bench-operations");
      const generator = benchEvents(303);
      const post = (side: Side, seconds: number) =>
        runLoad({
          url: (servers[side] as ChildServer).url,
          method: "POST",
          path: "/v1/events",
          connections: sizes.clients,
          durationSeconds: seconds,
          headers: {
            authorization: `Bearer ${project.api_key}`,
            "content-type": "application/json",
          },
          nextRequest: () => ({
            body: JSON.stringify(generator.next()),
            headers: { "idempotency-key": ulid() },
          }),
        });
      for (const side of SIDES) await post(side, sizes.warmupSeconds);
      for (let round = 0; round < sizes.rounds; round++) {
        // Rotate which side goes first, so a drift within a round cancels out.
        const order = SIDES.map((_, i) => SIDES[(i + round) % SIDES.length] as Side);
        for (const side of order) {
          const { result, share } = await withCpuShare((servers[side] as ChildServer).pid, () =>
            post(side, sizes.seconds),
          );
          expectAllAnswered(result, `${side}`);
          rates[side].push(result.requestsPerSecond);
          cpuPerRequest[side].push((share * 1000) / result.requestsPerSecond);
          latencies[side].push(...result.latencies);
        }
      }
      const scrape = await fetch(`${servers.on.url}/metrics`, {
        headers: { authorization: "Bearer bench-metrics" },
      });
      const text = await scrape.text();
      metricsCount = Number(
        /chronicle_http_requests_total\{operation="createEvent",method="POST",status="201"\} (\d+)/.exec(
          text,
        )?.[1] ?? 0,
      );

      const encodings: Encoding[] = ["identity", "gzip", "br"];
      // Every encoding once before the rounds: its first export also compiles the compression
      // path in the server and the decoder here, and a one-round run compared such a cold
      // compressed export with a warm uncompressed one.
      for (const encoding of encodings) {
        await download(context.server.url, context.medium, encoding);
      }
      for (let round = 0; round < sizes.exportRounds; round++) {
        const order = encodings.map(
          (_, i) => encodings[(i + round) % encodings.length] as Encoding,
        );
        for (const encoding of order) {
          const { result, share } = await withCpuShare(context.server.pid, () =>
            downloads(context.server.url, context.medium, encoding, sizes.exportsPerRound),
          );
          exportRates[encoding].push(result.rows / result.seconds);
          exportCpuPerRow[encoding].push((share * result.seconds * 1e6) / result.rows);
          exportBytes[encoding] = result.bytes;
        }
      }
    } finally {
      for (const side of SIDES) await servers[side]?.stop();
      await sink.close();
    }
    const ingest = (side: Side, label: string): Measurement => ({
      label,
      unit: "req/s",
      summary: summarize(rates[side]),
      latencyMs: summarize(latencies[side]),
    });
    const exported = (encoding: Encoding): Measurement => ({
      label: `NDJSON export, ${encoding}`,
      unit: "rows/s",
      summary: summarize(exportRates[encoding]),
    });
    const range = (summary: Summary) => `${summary.min.toFixed(2)}–${summary.max.toFixed(2)}`;
    const on = ingest("on", `logs + metrics + traces (${Number(SAMPLE_RATIO) * 100} % sampled)`);
    const traceAll = ingest("traceAll", "logs + metrics + every request traced");
    const off = ingest("off", "all off");
    // Each round's servers ran next to each other in time: the median of the rounds' ratios
    // cancels a drift of the machine's load between rounds, which the ratio of the sides'
    // medians does not.
    const roundRatios = (side: Side) =>
      summarize(rates[side].map((rate, round) => rate / (rates.off[round] as number)));
    const ratio = roundRatios("on").median;
    const traceAllRatio = roundRatios("traceAll").median;
    const cpu = (side: Side, label: string): Measurement => ({
      label,
      unit: "CPU ms/request",
      summary: summarize(cpuPerRequest[side]),
    });
    const cpuRatios = (side: Side) =>
      summarize(
        cpuPerRequest[side].map((cpu, round) => cpu / (cpuPerRequest.off[round] as number)),
      );
    const cpuRatio = (side: Side) => cpuRatios(side).median;
    // Each round's compressed export against the uncompressed one next to it in time, so a
    // drift of the machine's load between rounds cancels out; the median of those ratios.
    const exportRatios = (encoding: Encoding) =>
      summarize(
        exportRates[encoding].map((rate, round) => rate / (exportRates.identity[round] as number)),
      );
    const exportRatio = (encoding: Encoding) => exportRatios(encoding).median;
    const exportCpu = (encoding: Encoding): Measurement => ({
      label: `NDJSON export, ${encoding}`,
      unit: "CPU µs/row",
      summary: summarize(exportCpuPerRow[encoding]),
    });
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    return {
      sizes: `${sizes.clients} keep-alive clients, ${sizes.seconds} s per round; export of the medium project (${sizes.exportsPerRound} back to back per measurement)`,
      warmup: `${sizes.warmupSeconds} s of ingest on each server; one export in each encoding`,
      repetitions: `${sizes.rounds} ingest rounds rotating which server goes first; ${sizes.exportRounds} export rounds, order rotated`,
      rows: [
        {
          name: `POST /v1/events with logs, metrics and traces (${Number(SAMPLE_RATIO) * 100} % of traces)`,
          measured: on,
          baseline: off,
          ratio: {
            value: ratio,
            label: `on / off, median of the rounds' ratios (${range(roundRatios("on"))})`,
          },
          goals: [atLeast(ratio, 0.95)],
        },
        {
          name: "server CPU per POST /v1/events, on vs off",
          measured: cpu("on", on.label),
          baseline: cpu("off", off.label),
          ratio: {
            value: cpuRatio("on"),
            label: `on / off (CPU per request), median of the rounds' ratios (${range(cpuRatios("on"))})`,
          },
          goals: [],
          goalText: "shown: the cost in server CPU, steadier than throughput on a shared machine",
        },
        {
          name: "POST /v1/events with logs, metrics and every request traced",
          measured: traceAll,
          baseline: off,
          ratio: {
            value: traceAllRatio,
            label: `every request traced / off, median of the rounds' ratios (${range(roundRatios("traceAll"))})`,
          },
          goals: [],
          goalText: "shown: the default sampling (all new traces)",
        },
        {
          name: "server CPU per POST /v1/events, every request traced vs off",
          measured: cpu("traceAll", traceAll.label),
          baseline: cpu("off", off.label),
          ratio: {
            value: cpuRatio("traceAll"),
            label: `every request traced / off (CPU per request), median of the rounds' ratios (${range(cpuRatios("traceAll"))})`,
          },
          goals: [],
          goalText: "shown: what tracing every request adds",
        },
        ...(["gzip", "br"] as const).flatMap((encoding) => {
          const name = `NDJSON export, ${encoding === "br" ? "brotli" : "gzip"}`;
          const cpuRatio =
            exportCpu(encoding).summary.median / exportCpu("identity").summary.median;
          return [
            {
              name,
              measured: exported(encoding),
              baseline: exported("identity"),
              ratio: {
                value: exportRatio(encoding),
                label: `${encoding} / uncompressed, median of the rounds' ratios (${range(exportRatios(encoding))})`,
              },
              goals: [atLeast(exportRatio(encoding), 0.8)],
            },
            {
              name: `server CPU per row, ${name}`,
              measured: exportCpu(encoding),
              baseline: exportCpu("identity"),
              ratio: { value: cpuRatio, label: `${encoding} / uncompressed (CPU per row)` },
              goals: [],
              goalText: "shown: what compressing costs the server, steadier than throughput",
            },
          ];
        }),
      ],
      notes: [
        `"On" logs one JSON line per request at info (pino, to the server's log file), counts and times every request in prom-client, and traces with \`OTEL_TRACES_SAMPLER_ARG=${SAMPLE_RATIO}\` (parent-based: a new trace is recorded for ${Number(SAMPLE_RATIO) * 100} % of requests, a caller's sampled \`traceparent\` always), a span per recorded request and per query exported over OTLP/HTTP (JSON, batched) to a sink on loopback; "every request traced" is the same with the default ratio of 1 (${sink.exports()} exports received in all); /metrics counted ${metricsCount} createEvent 201s on the "on" server.`,
        `Export bytes on the wire: uncompressed ${mb(exportBytes.identity)}, gzip ${mb(exportBytes.gzip)}, brotli ${mb(exportBytes.br)} (the client decodes to count rows).`,
      ],
    };
  },
};
