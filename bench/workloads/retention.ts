import { setTimeout as sleep } from "node:timers/promises";
import { ulid } from "ulid";
import { purgeExpired } from "../../packages/server/src/services/index.js";
import { openStore } from "../../packages/server/src/store/index.js";
import { benchEvents } from "../lib/event-generator.js";
import { atMost } from "../lib/results.js";
import { summarize } from "../lib/stats.js";
import type { BenchContext, Workload, WorkloadOutcome } from "../lib/workload.js";
import { bearer, formatCount } from "../lib/workload.js";

/**
 * The month the retention project's events were received in: long before every other
 * project's (they start at BENCH_START), so that month holds this project's events alone.
 */
export const RETENTION_MONTH = Date.parse("2025-11-01T00:00:00.000Z");

const DAY_MS = 86_400_000;

interface Sample {
  /** performance.now() when the request was sent. */
  sentAt: number;
  latencyMs: number;
}

/**
 * Single ingest (into the ingest project) by `clients` closed-loop clients until `done` says
 * stop; every request's send time and latency. Each client finishes the request it has in
 * flight before it stops, so a request held up by the purge is counted however long it
 * waited (a load tool's fixed windows drop the requests in flight at their end — exactly
 * the ones a pause holds up).
 */
async function ingestUntil(
  context: BenchContext,
  clients: number,
  done: () => boolean,
): Promise<Sample[]> {
  const generator = benchEvents(606);
  const samples: Sample[] = [];
  const failures: string[] = [];
  const url = `${context.server.url}/v1/events`;
  const headers = { ...bearer(context.ingest), "content-type": "application/json" };
  const client = async () => {
    while (!done()) {
      const sentAt = performance.now();
      const response = await fetch(url, {
        method: "POST",
        headers: { ...headers, "idempotency-key": ulid() },
        body: JSON.stringify(generator.next()),
      });
      await response.arrayBuffer();
      const latencyMs = performance.now() - sentAt;
      if (response.ok) samples.push({ sentAt, latencyMs });
      else failures.push(`${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  if (failures.length > 0) throw new Error(`ingest: non-2xx responses ${failures.join(", ")}`);
  return samples;
}

async function ingestFor(context: BenchContext, clients: number, seconds: number) {
  const until = performance.now() + seconds * 1000;
  return ingestUntil(context, clients, () => performance.now() >= until);
}

/**
 * One expired month of events removed by the server's retention entry point (`purgeExpired`,
 * what the server's purge timer and `chronicle purge` run) while single ingest goes on,
 * against the same ingest without a purge: how long the purge takes, and whether writers
 * notice it.
 */
export const retentionWorkload: Workload = {
  id: "retention",
  title: "Retention",
  measure:
    "time to remove one expired month of 1 M events (`purgeExpired`, as the purge timer and `chronicle purge` run it), and p99 of `POST /v1/events` meanwhile",
  baseline: "the same single ingest without a purge, before and after it",
  goal: "purge < 1 s; ingest p99 during the purge ≤ 1.5 × without",
  datasets: ["retention"],
  async run(context: BenchContext): Promise<WorkloadOutcome> {
    const sizes = context.sizes.retention;
    const expected = Math.min(context.sizes.largeRows, sizes.rows);
    // Everything received in the seeded month (and nothing of any other project) expires.
    const monthEnd = RETENTION_MONTH + 31 * DAY_MS;
    const retentionDays = Math.floor((Date.now() - monthEnd) / DAY_MS);
    if (retentionDays < 1 || retentionDays > 3650) {
      throw new Error(`the clock puts the retention month ${retentionDays} days back`);
    }
    const patch = await fetch(`${context.server.url}/v1/project`, {
      method: "PATCH",
      headers: { ...bearer(context.retention), "content-type": "application/json" },
      body: JSON.stringify({ retention_days: retentionDays }),
    });
    if (!patch.ok) throw new Error(`PATCH /v1/project → ${patch.status}: ${await patch.text()}`);

    const store = await openStore({ databaseUrl: context.databaseUrl, poolSize: 4 });
    const without: Sample[] = [];
    const during: number[] = [];
    let purgeMs = 0;
    let purged = 0;
    try {
      await ingestFor(context, sizes.clients, 1);
      const half = Math.max(1, Math.ceil(sizes.rounds / 2));
      for (let round = 0; round < half; round++) {
        without.push(...(await ingestFor(context, sizes.clients, sizes.seconds)));
      }
      let purging = true;
      const load = ingestUntil(context, sizes.clients, () => !purging);
      await sleep(500);
      const started = performance.now();
      let ended = started;
      try {
        const reports = await purgeExpired(store);
        ended = performance.now();
        purged = reports
          .filter((report) => report.project_id === context.retention.project_id)
          .reduce((sum, report) => sum + report.purged, 0);
      } finally {
        purging = false;
      }
      purgeMs = ended - started;
      // Every request in flight at some moment of the purge.
      for (const sample of await load) {
        if (sample.sentAt < ended && sample.sentAt + sample.latencyMs > started) {
          during.push(sample.latencyMs);
        }
      }
      for (let round = half; round < sizes.rounds; round++) {
        without.push(...(await ingestFor(context, sizes.clients, sizes.seconds)));
      }
    } finally {
      await store.close();
    }
    if (purged !== expected) {
      throw new Error(`the purge removed ${purged} of the ${expected} expired events`);
    }
    const withoutSummary = summarize(without.map((sample) => sample.latencyMs));
    const duringSummary = summarize(during);
    const ratio = duringSummary.p99 / withoutSummary.p99;
    return {
      sizes: `${formatCount(expected)} events received in one month (November 2025, before every other project's events; the large project's rows copied there in the database), retention set through \`PATCH /v1/project\`; single ingest at ${sizes.clients} clients into another project`,
      warmup: "1 s of ingest",
      repetitions: `one purge (the month can expire once); ${sizes.rounds} ingest windows of ${sizes.seconds} s without it, around it`,
      rows: [
        {
          name: `remove one expired month (${formatCount(expected)} events)`,
          measured: { label: "purgeExpired", unit: "ms", summary: summarize([purgeMs]) },
          goals: [atMost(purgeMs, 1000, "< 1 s", `${(purgeMs / 1000).toFixed(2)} s`)],
        },
        {
          name: "POST /v1/events p99 during the purge",
          measured: { label: "during the purge", unit: "ms", summary: duringSummary },
          baseline: { label: "without", unit: "ms", summary: withoutSummary },
          ratio: { value: ratio, label: "p99 during / p99 without" },
          goals: [atMost(ratio, 1.5, "p99 ≤ 1.5 ×")],
        },
      ],
      notes: [
        `The purge ran in the bench process on its own store (4 connections) against the same database; ${during.length} ingest requests were in flight at some moment of it.`,
      ],
    };
  },
};
