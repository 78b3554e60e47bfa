import { benchEvents } from "../lib/event-generator.js";
import {
  captureRows,
  columnList,
  eventColumns,
  rehomeRows,
  writableColumns,
} from "../lib/events-table.js";
import { copyIn } from "../lib/postgres.js";
import { withCpuShare } from "../lib/processes.js";
import { atLeast } from "../lib/results.js";
import { createClient } from "../lib/sdk.js";
import { median, summarize } from "../lib/stats.js";
import { describeWaits, sampleWaits } from "../lib/wait-sampler.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { formatCount } from "../lib/workload.js";

async function lastSeq(context: BenchContext, projectId: string): Promise<number> {
  const result = await context.pool.query<{ seq: string | null }>(
    "SELECT max(seq) AS seq FROM events WHERE project_id = $1",
    [projectId],
  );
  return Number(result.rows[0]?.seq ?? 0);
}

/**
 * 1000-event batches through the SDK → HTTP → PostgreSQL (validation, idempotency, hash
 * chain) against `COPY FROM STDIN` of the very rows the server just wrote, moved to
 * another project, into the same table and indexes, one COPY per 1000 rows.
 */
export const batchIngest: Workload = {
  id: "batch-ingest",
  title: "Batch ingest",
  measure:
    "events/s through the SDK → HTTP → PostgreSQL, 1000-event batches (validation, idempotency, hash chain included)",
  baseline: "`COPY FROM STDIN` of the same rows into the same table and indexes",
  goal: "≥ 0.5 of `COPY`",
  datasets: [],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.batchIngest;
    const project = context.ingest;
    const copyProject = await context.chronicle.createProject("bench-copy-baseline");
    const client = createClient(context.server.url, project.api_key);
    const generator = benchEvents(101);
    const columns = writableColumns(await eventColumns(context.pool));
    const copySql = `COPY events (${columnList(columns)}) FROM STDIN`;

    for (let batch = 0; batch < sizes.warmupBatches; batch++) {
      await client.batch(generator.take(sizes.batchSize));
    }
    const db = await context.pool.connect();
    const chronicleRates: number[] = [];
    const copyRates: number[] = [];
    const chronicleLatencies: number[] = [];
    const copyLatencies: number[] = [];
    const cpuShares: number[] = [];
    try {
      for (let round = 0; round < sizes.rounds; round++) {
        const batches = Array.from({ length: sizes.batchesPerRound }, () =>
          generator.take(sizes.batchSize),
        );
        const before = await lastSeq(context, project.project_id);
        let started = performance.now();
        const { share } = await withCpuShare(context.server.pid, async () => {
          for (const events of batches) {
            const sent = performance.now();
            await client.batch(events);
            chronicleLatencies.push(performance.now() - sent);
          }
        });
        cpuShares.push(share);
        const events = sizes.batchesPerRound * sizes.batchSize;
        chronicleRates.push(events / ((performance.now() - started) / 1000));

        const after = await lastSeq(context, project.project_id);
        const rows = await captureRows(db, columns, project.project_id, before, after);
        if (rows.length < events)
          throw new Error(`expected ${events} new rows, found ${rows.length}`);
        const chunks: string[] = [];
        for (let offset = 0; offset < rows.length; offset += sizes.batchSize) {
          chunks.push(
            rehomeRows(
              rows.slice(offset, offset + sizes.batchSize),
              columns,
              copyProject.project_id,
            ),
          );
        }
        started = performance.now();
        for (const chunk of chunks) {
          const sent = performance.now();
          await copyIn(db, copySql, [chunk]);
          copyLatencies.push(performance.now() - sent);
        }
        copyRates.push(rows.length / ((performance.now() - started) / 1000));
      }
    } finally {
      db.release();
    }
    // A diagnostic round, not counted: where the database session waits during batches.
    const diagnostic = Array.from({ length: sizes.batchesPerRound }, () =>
      generator.take(sizes.batchSize),
    );
    const waits = await sampleWaits(context.pool, async () => {
      for (const events of diagnostic) await client.batch(events);
    });
    const measured = summarize(chronicleRates);
    const baseline = summarize(copyRates);
    const ratio = measured.median / baseline.median;
    return {
      sizes: `${sizes.batchesPerRound} batches × ${formatCount(sizes.batchSize)} events per round, one batch in flight, \`@chronicle/sdk\` \`events.batch\` (retries off); COPY one 1000-row statement per batch`,
      warmup: `${sizes.warmupBatches} batch${sizes.warmupBatches === 1 ? "" : "es"}`,
      repetitions: `${sizes.rounds} rounds, each Chronicle then COPY of the same rows`,
      rows: [
        {
          name: `${formatCount(sizes.batchSize)}-event batches`,
          measured: {
            label: "Chronicle",
            unit: "events/s",
            summary: measured,
            latencyMs: summarize(chronicleLatencies),
          },
          baseline: {
            label: "COPY",
            unit: "events/s",
            summary: baseline,
            latencyMs: summarize(copyLatencies),
          },
          ratio: { value: ratio, label: "Chronicle / COPY" },
          goals: [atLeast(ratio, 0.5)],
        },
      ],
      notes: [
        `The server process used ${Math.round(median(cpuShares) * 100)} % of its core during the Chronicle rounds (median; /proc/<pid>/stat): below 100 % the limit is not the server's CPU.`,
        `Where the server's database session was during batches (an extra, uncounted round, \`pg_stat_activity\` every 20 ms; \`idle in transaction ClientRead\` is the server working between statements): ${describeWaits(waits)}.`,
      ],
    };
  },
};
