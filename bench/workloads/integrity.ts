import { integrityConfig } from "../../packages/server/src/integrity-config.js";
import { ingestEvents } from "../../packages/server/src/services/events/events-write.js";
import { signLatest } from "../../packages/server/src/services/integrity/checkpoints.js";
import { setTreeMaintenance } from "../../packages/server/src/services/integrity/merkle-store.js";
import { proveInclusion } from "../../packages/server/src/services/integrity/proofs.js";
import { installSecrets } from "../../packages/server/src/services/system/secrets.js";
import { openStore } from "../../packages/server/src/store/index.js";
import { BENCH_SECRETS } from "../lib/chronicle.js";
import { benchEvents, type EventInput, seededRandom } from "../lib/event-generator.js";
import { atLeast, atMost } from "../lib/results.js";
import { median, summarize } from "../lib/stats.js";
import { getter } from "../lib/timing.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";

/**
 * Issue 13's two rows. Inclusion proofs over HTTP on the large project (its Merkle tree
 * built by the seeder as appends would have), against `GET /v1/events/{id}` of the same
 * events. Tree maintenance and checkpoint signing: 1000-event batches appended in this
 * process through the service with the tree maintained and a checkpoint signed after every
 * batch (far more often than the one-minute schedule), against the same appends with tree
 * maintenance off, interleaved round by round, on the same database.
 */
export const integrityWorkload: Workload = {
  id: "integrity",
  title: "Verifiable integrity",
  measure:
    "inclusion-proof latency over HTTP at the large dataset; batch-append throughput with the Merkle tree and checkpoint signing on vs off",
  baseline: "`GET /v1/events/{id}` of the same events; the same appends with the tree off",
  goal: "proof p95 ≤ 5 ms; cost of tree + signing ≤ 5 % of batch ingest throughput",
  datasets: ["large"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.integrity;
    const rows = context.sizes.largeRows;
    const headers = bearer(context.large);
    const random = seededRandom(13);
    const seqs = Array.from({ length: sizes.proofRequests }, () => 1 + Math.floor(random() * rows));
    const ids = new Map<number, string>();
    for (let offset = 0; offset < seqs.length; offset += 500) {
      const chunk = seqs.slice(offset, offset + 500);
      const found = await context.pool.query<{ seq: string; id: string }>(
        "SELECT seq, id FROM events WHERE project_id = $1 AND seq = ANY($2::bigint[])",
        [context.large.project_id, chunk],
      );
      for (const row of found.rows) ids.set(Number(row.seq), row.id);
    }
    const timedGet = (path: string) => getter(`${context.server.url}${path}`, headers)();
    // The first call signs the checkpoint over the seeded tree (one-off, not counted). A
    // verifier holds that checkpoint and asks for proofs at its size (the SDK's
    // verifyInclusion needs the proof's tree_size to be the checkpoint's); a proof at the
    // default size (the latest) is timed beside it.
    const checkpoint = await fetch(`${context.server.url}/v1/integrity/checkpoint`, { headers });
    if (!checkpoint.ok) throw new Error(`GET /v1/integrity/checkpoint → ${checkpoint.status}`);
    const treeSize = ((await checkpoint.json()) as { tree_size: number }).tree_size;
    const atSize = (seq: number) =>
      `/v1/integrity/proofs/inclusion?seq=${seq}&tree_size=${treeSize}`;
    const atLatest = (seq: number) => `/v1/integrity/proofs/inclusion?seq=${seq}`;
    for (const seq of seqs.slice(0, sizes.warmupRequests)) {
      await timedGet(atSize(seq));
      await timedGet(`/v1/events/${ids.get(seq)}`);
      await timedGet(atLatest(seq));
    }
    const proofMs: number[] = [];
    const getMs: number[] = [];
    const latestMs: number[] = [];
    // The two proofs of a seq read the same pages: which goes first alternates.
    for (const [index, seq] of seqs.entries()) {
      const first = index % 2 === 0;
      if (first) proofMs.push(await timedGet(atSize(seq)));
      else latestMs.push(await timedGet(atLatest(seq)));
      getMs.push(await timedGet(`/v1/events/${ids.get(seq)}`));
      if (first) latestMs.push(await timedGet(atLatest(seq)));
      else proofMs.push(await timedGet(atSize(seq)));
    }
    const proofs = summarize(proofMs);
    const gets = summarize(getMs);
    const latestProofs = summarize(latestMs);

    // In-process: the service layer alone, so the HTTP stack does not blur the comparison.
    const store = await openStore({ databaseUrl: context.databaseUrl, poolSize: 4 });
    installSecrets([store], integrityConfig(BENCH_SECRETS).secrets);
    const serviceMs: number[] = [];
    const rates = { on: [] as number[], off: [] as number[] };
    try {
      for (const seq of seqs.slice(0, sizes.warmupRequests)) {
        await proveInclusion(store, context.large.project_id, seq, { treeSize });
      }
      for (const seq of seqs) {
        const started = performance.now();
        await proveInclusion(store, context.large.project_id, seq, { treeSize });
        serviceMs.push(performance.now() - started);
      }
      const on = await context.chronicle.createProject("bench-tree-on");
      const off = await context.chronicle.createProject("bench-tree-off");
      const generator = benchEvents(113);
      const take = () => generator.take(sizes.batchSize);
      const round = async (side: "on" | "off", batches: EventInput[][]) => {
        setTreeMaintenance(side === "on");
        const project = side === "on" ? on : off;
        const started = performance.now();
        for (const batch of batches) {
          await ingestEvents(store, project.project_id, batch);
          if (side === "on") await signLatest(store, project.project_id);
        }
        rates[side].push(
          (batches.length * sizes.batchSize) / ((performance.now() - started) / 1000),
        );
      };
      await round("on", [take()]);
      await round("off", [take()]);
      rates.on.length = 0;
      rates.off.length = 0;
      for (let r = 0; r < sizes.rounds; r++) {
        const order = r % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
        for (const side of order) {
          await round(side, Array.from({ length: sizes.batchesPerRound }, take));
        }
      }
    } finally {
      setTreeMaintenance(true);
      await store.close();
    }
    const service = summarize(serviceMs);
    const throughput = { on: summarize(rates.on), off: summarize(rates.off) };
    // Each round's on and off sides ran back to back, so their ratio cancels the machine's
    // drift between rounds that a ratio of the two medians keeps.
    const onOverOff = median(rates.on.map((on, round) => on / (rates.off[round] as number)));
    const cost = 1 - onOverOff;
    return {
      sizes: `${formatCount(rows)} events in the tree; ${sizes.proofRequests} random seqs; ${sizes.rounds} rounds × ${sizes.batchesPerRound} batches × ${formatCount(sizes.batchSize)} events per side`,
      warmup: `${sizes.warmupRequests} requests; one batch per side`,
      repetitions: `per seq a proof at the checkpoint's size, a get and a proof at the default size, the two proofs' order alternating; tree on/off rounds interleaved, order alternating; the cost is the median of each round's on/off ratio`,
      rows: [
        {
          name: `inclusion proof at ${formatCount(rows)} events, at the checkpoint's size (HTTP)`,
          measured: { label: "proof", unit: "ms", summary: proofs },
          baseline: { label: "GET /v1/events/{id}", unit: "ms", summary: gets },
          ratio: { value: proofs.p95 / gets.p95, label: "proof p95 / get p95" },
          goals: [atMost(proofs.p95, 5, "p95 ≤ 5 ms", `${proofs.p95.toFixed(2)} ms`)],
        },
        {
          name: `inclusion proof at ${formatCount(rows)} events, default size (HTTP)`,
          measured: { label: "proof at the latest size", unit: "ms", summary: latestProofs },
          baseline: { label: "GET /v1/events/{id}", unit: "ms", summary: gets },
          ratio: { value: latestProofs.p95 / gets.p95, label: "proof p95 / get p95" },
          goals: [atMost(latestProofs.p95, 5, "p95 ≤ 5 ms", `${latestProofs.p95.toFixed(2)} ms`)],
        },
        {
          name: `inclusion proof at ${formatCount(rows)} events, at the checkpoint's size (service and database only)`,
          measured: { label: "proveInclusion", unit: "ms", summary: service },
          goals: [atMost(service.p95, 5, "p95 ≤ 5 ms", `${service.p95.toFixed(2)} ms`)],
        },
        {
          name: "batch append with tree + a checkpoint per batch",
          measured: { label: "tree on", unit: "events/s", summary: throughput.on },
          baseline: { label: "tree off", unit: "events/s", summary: throughput.off },
          ratio: { value: onOverOff, label: "on / off, median of the rounds' pairs" },
          goals: [atLeast(onOverOff, 0.95, "cost ≤ 5 %", `${(cost * 100).toFixed(1)} %`)],
        },
      ],
      notes: [
        `Proofs read O(log n) stored hashes in one indexed query (${median(proofMs).toFixed(2)} ms median over HTTP).`,
        "The on side signs a checkpoint after every batch; the server signs once a minute and on demand, so this bounds the real cost from above.",
      ],
    };
  },
};
