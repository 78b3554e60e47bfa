import { subscribe } from "node:diagnostics_channel";
import type { NextFunction, Request, Response } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { answeredStatus, operationIdOf, problemCodeOf } from "../http/middleware/operation-tag.js";
import { type AppendGroupMessage, appendGroupChannel } from "../services/events/group-commit.js";
import { type SearchMergeMessage, searchMergeChannel } from "../services/events/search-merge.js";
import { rootOf } from "../store/root.js";
import type { Store } from "../store/types.js";

/**
 * The server's Prometheus registry and its instruments. Other modules add their own to
 * `registry` (for example a gauge with a `collect()` that reads their state).
 */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<"operation" | "method" | "status">;
  readonly requestDuration: Histogram<"operation" | "status">;
  readonly problems: Counter<"operation" | "code">;
  readonly ingestedEvents: Counter;
  readonly appendGroupUnits: Histogram;
  readonly appendGroupEvents: Histogram;
  readonly forwardedAppends: Counter<"outcome">;
  readonly rateLimitRefusals: Counter;
  readonly searchMergedPages: Counter;
  readonly openTails: Gauge;
  /** Responses in flight; the open-tails gauge counts the live tails among them when scraped. */
  readonly inFlight: Set<Response>;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC); on by default. */
  processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const GROUP_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 5000];
/** Requests no route of the contract took (404s, 405s, /docs) share one label value. */
const UNMATCHED = "unmatched";

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const inFlight = new Set<Response>();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "chronicle_http_requests_total",
      help: "HTTP requests by contract operation, method and status (499: the client left before any answer).",
      labelNames: ["operation", "method", "status"] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: "chronicle_http_request_duration_seconds",
      help: "Time from request to the end of the response (a stream's whole life for SSE and exports).",
      labelNames: ["operation", "status"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    problems: new Counter({
      name: "chronicle_http_problems_total",
      help: "Error answers (application/problem+json), by contract operation and problem code.",
      labelNames: ["operation", "code"] as const,
      registers,
    }),
    ingestedEvents: new Counter({
      name: "chronicle_ingested_events_total",
      help: "Events committed (single, batch and system events).",
      registers,
    }),
    appendGroupUnits: new Histogram({
      name: "chronicle_append_group_writes",
      help: "Writes that shared one append transaction (group commit).",
      buckets: GROUP_BUCKETS,
      registers,
    }),
    appendGroupEvents: new Histogram({
      name: "chronicle_append_group_events",
      help: "Events committed by one append transaction (group commit).",
      buckets: GROUP_BUCKETS,
      registers,
    }),
    forwardedAppends: new Counter({
      name: "chronicle_forwarded_appends_total",
      help: "Appends sent on to the replica owning their project, by outcome (forwarded; owner_unreachable: appended here; failed: a 503).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: "chronicle_rate_limit_refusals_total",
      help: "Requests refused with 429 rate_limit_exceeded.",
      registers,
    }),
    searchMergedPages: new Counter({
      name: "chronicle_search_index_merged_pages_total",
      help: "Pages of the search index's pending list merged beside the appends (PostgreSQL).",
      registers,
    }),
    openTails: new Gauge({
      name: "chronicle_open_tails",
      help: "Live tails (GET /v1/events/stream) currently open.",
      registers,
      collect() {
        let open = 0;
        for (const res of inFlight) if (isOpenTail(res)) open += 1;
        this.set(open);
      },
    }),
    inFlight,
  };
}

/** The request counter's and the latency histogram's children for one label set. */
interface BoundInstruments {
  count: { inc(): void };
  time: { observe(value: number): void };
}

/** The status label of a request whose client left before any answer (nginx's "client closed request"). */
const CLIENT_CLOSED_REQUEST = 499;

/** Counts and times every response by operation and status; tracks open tails. */
export function httpMetrics(metrics: Metrics) {
  const { inFlight } = metrics;
  // One pair of children per (operation, method, status), made on first use: prom-client
  // otherwise hashes the label object on every inc() and observe(). Bounded: the contract's
  // operations, the methods Node's parser accepts and the status codes.
  const bound = new Map<string, BoundInstruments>();
  const instruments = (operation: string, method: string, status: number): BoundInstruments => {
    const key = `${operation} ${method} ${status}`;
    let pair = bound.get(key);
    if (!pair) {
      const code = String(status);
      pair = {
        count: metrics.requests.labels({ operation, method, status: code }),
        time: metrics.requestDuration.labels({ operation, status: code }),
      };
      bound.set(key, pair);
    }
    return pair;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    // performance.now(): the histogram's startTimer() would take an hrtime pair and merge
    // two label objects on every request.
    const started = performance.now();
    inFlight.add(res);
    res.on("close", () => {
      inFlight.delete(res);
      const { count, time } = instruments(
        operationIdOf(res) ?? UNMATCHED,
        req.method,
        answeredStatus(res) ?? CLIENT_CLOSED_REQUEST,
      );
      count.inc();
      time.observe((performance.now() - started) / 1000);
      // Only problems the client was sent: a read stopped because its client left is none.
      const code = problemCodeOf(res);
      if (code !== undefined && res.writableFinished) {
        metrics.problems.inc({ operation: operationIdOf(res) ?? UNMATCHED, code });
      }
    });
    next();
  };
}

function isOpenTail(res: Response): boolean {
  return operationIdOf(res) === "streamEvents" && res.headersSent && res.statusCode === 200;
}

/** Which metrics follow each store's append groups; one channel subscription for all. */
const storeMetrics = new WeakMap<Store, Set<Metrics>>();
let subscribed = false;

function onAppendGroup(message: unknown): void {
  const { store, units, events } = message as AppendGroupMessage;
  for (const metrics of storeMetrics.get(rootOf(store)) ?? []) {
    metrics.appendGroupUnits.observe(units);
    metrics.appendGroupEvents.observe(events);
    metrics.ingestedEvents.inc(events);
  }
}

function onSearchMerge(message: unknown): void {
  const { store, pages } = message as SearchMergeMessage;
  for (const metrics of storeMetrics.get(rootOf(store)) ?? []) metrics.searchMergedPages.inc(pages);
}

/**
 * Follows `store`: committed events, group sizes, the search index's merges and
 * (PostgreSQL) pool occupancy.
 */
export function observeStore(metrics: Metrics, store: Store): void {
  if (!subscribed) {
    subscribe(appendGroupChannel.name, onAppendGroup);
    subscribe(searchMergeChannel.name, onSearchMerge);
    subscribed = true;
  }
  const set = storeMetrics.get(rootOf(store)) ?? new Set<Metrics>();
  set.add(metrics);
  storeMetrics.set(rootOf(store), set);
  poolGauge(
    metrics,
    store,
    "chronicle_db_pool_connections",
    "Database pool connections by state (total, idle, waiting clients).",
  );
  if (store.reads) {
    poolGauge(
      metrics,
      store.reads,
      "chronicle_db_read_pool_connections",
      "Connections of tenants' event reads by state (total, idle, waiting clients).",
    );
  }
}

function poolGauge(metrics: Metrics, store: Store, name: string, help: string): void {
  const poolStats = store.poolStats?.bind(store);
  if (!poolStats) return;
  new Gauge({
    name,
    help,
    labelNames: ["state"] as const,
    registers: [metrics.registry],
    collect() {
      const stats = poolStats();
      this.set({ state: "total" }, stats.total);
      this.set({ state: "idle" }, stats.idle);
      this.set({ state: "waiting" }, stats.waiting);
    },
  });
}
