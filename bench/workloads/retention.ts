import { setTimeout as sleep } from "node:timers/promises";
import { ulid } from "ulid";
import {
  purgeExpired,
  removeDetachedPartitions,
} from "../../packages/server/src/services/index.js";
import { openStore } from "../../packages/server/src/store/index.js";
import type { Store } from "../../packages/server/src/store/types.js";
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

/** What a statement of the purge is, for its line in the breakdown. */
function statementName(sql: string): string {
  const fn = /chronicle_\w+/.exec(sql);
  if (fn) return fn[0];
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "?";
  const table = /\b(?:FROM|INTO|UPDATE)\s+(\w+)/i.exec(sql)?.[1] ?? "?";
  return `${verb} ${table}`;
}

/**
 * The store with every statement timed by name: the purge's steps as the service runs them
 * (each owner function is one statement).
 */
function timedStore(store: Store, steps: Map<string, number[]>): Store {
  const query: Store["query"] = async (sql, params) => {
    const started = performance.now();
    try {
      return await store.query(sql, params);
    } finally {
      const name = statementName(sql);
      steps.set(name, [...(steps.get(name) ?? []), performance.now() - started]);
    }
  };
  return new Proxy(store, {
    get(target, key) {
      if (key === "query") return query;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function describeSteps(steps: Map<string, number[]>): string {
  return [...steps]
    .map(([name, times]) => {
      const total = times.reduce((sum, ms) => sum + ms, 0);
      return `\`${name}\` ${times.length} × ${total.toFixed(1)} ms`;
    })
    .join("; ");
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
    "time to remove one expired month of 1 M events from `events` (`purgeExpired`, as the purge timer and `chronicle purge` run it), then its files' removal (`removeDetachedPartitions`), and p99 of `POST /v1/events` during each",
  baseline: "the same single ingest without a purge, before and after it",
  goal: "purge < 1 s; ingest p99 during the purge and during the files' removal ≤ 1.5 × without",
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

    const opened = await openStore({ databaseUrl: context.databaseUrl, poolSize: 4 });
    const steps = new Map<string, number[]>();
    const store = timedStore(opened, steps);
    const without: Sample[] = [];
    let purge = { started: 0, ended: 0 };
    let files = { started: 0, ended: 0 };
    let purged = 0;
    let removed = 0;
    let during: Sample[] = [];
    try {
      await ingestFor(context, sizes.clients, 1);
      const half = Math.max(1, Math.ceil(sizes.rounds / 2));
      for (let round = 0; round < half; round++) {
        without.push(...(await ingestFor(context, sizes.clients, sizes.seconds)));
      }
      let purging = true;
      const load = ingestUntil(context, sizes.clients, () => !purging);
      await sleep(500);
      try {
        purge = { started: performance.now(), ended: 0 };
        const reports = await purgeExpired(store);
        purge.ended = performance.now();
        purged = reports
          .filter((report) => report.project_id === context.retention.project_id)
          .reduce((sum, report) => sum + report.purged, 0);
        files = { started: performance.now(), ended: 0 };
        removed = await removeDetachedPartitions(store);
        files.ended = performance.now();
      } finally {
        purging = false;
      }
      during = await load;
      for (let round = half; round < sizes.rounds; round++) {
        without.push(...(await ingestFor(context, sizes.clients, sizes.seconds)));
      }
    } finally {
      await opened.close();
    }
    context.log(`retention: the purge's statements: ${describeSteps(steps)}`);
    if (purged !== expected) {
      throw new Error(`the purge removed ${purged} of the ${expected} expired events`);
    }
    // The month's table, and the empty partitions between it and the seeded ones.
    if (removed < 1) throw new Error("the purge detached no table");
    // Every request in flight at some moment of the window.
    const inFlight = (window: { started: number; ended: number }) =>
      during
        .filter(
          (sample) =>
            sample.sentAt < window.ended && sample.sentAt + sample.latencyMs > window.started,
        )
        .map((sample) => sample.latencyMs);
    const purgeMs = purge.ended - purge.started;
    const filesMs = files.ended - files.started;
    const withoutSummary = summarize(without.map((sample) => sample.latencyMs));
    const duringPurge = summarize(inFlight(purge));
    const duringFiles = summarize(inFlight(files));
    const pauseRow = (name: string, label: string, summary: typeof withoutSummary) => {
      const ratio = summary.p99 / withoutSummary.p99;
      return {
        name,
        measured: { label, unit: "ms" as const, summary },
        baseline: { label: "without", unit: "ms" as const, summary: withoutSummary },
        ratio: { value: ratio, label: "p99 during / p99 without" },
        goals: [atMost(ratio, 1.5, "p99 ≤ 1.5 ×")],
      };
    };
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
          name: "then its files' removal (no lock on events; shown)",
          measured: {
            label: "removeDetachedPartitions",
            unit: "ms",
            summary: summarize([filesMs]),
          },
          goals: [],
          goalText: "shown: after the month left the table",
        },
        pauseRow("POST /v1/events p99 during the purge", "during the purge", duringPurge),
        pauseRow(
          "POST /v1/events p99 during the files' removal",
          "during the files' removal",
          duringFiles,
        ),
      ],
      notes: [
        `The purge ran in the bench process on its own store (4 connections) against the same database, as the server's storage job runs it: \`purgeExpired\` (the expired month leaves \`events\`: checks, checkpoints, detach; what the API serves no longer has it), then \`removeDetachedPartitions\` (the detached table's files, I/O that grows with the month, holding no lock on \`events\`). ${duringPurge.n} ingest requests were in flight at some moment of the first, ${duringFiles.n} of the second.`,
        `The purge's statements, in order, with their count and total time: ${describeSteps(steps)}.`,
      ],
    };
  },
};
