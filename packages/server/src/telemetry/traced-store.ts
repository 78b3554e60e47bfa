import {
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { rootOf } from "../store/root.js";
import type { Queryable, Store } from "../store/types.js";

/**
 * The store with a client span per query and per transaction, made only inside a recorded
 * request's span: background work (purge timers, stream polling) would otherwise start a trace per poll.
 * Stands in for the pg instrumentation, which needs a module loader hook and does not see PGlite.
 */
export function tracedStore(store: Store, tracer: Tracer): Store {
  const system = store.kind === "postgres" ? "postgresql" : "pglite";
  const failed = (span: Span, error: unknown): never => {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    span.end();
    throw error;
  };
  /** `run()` as a promise that ends `span` when it settles (a synchronous throw included). */
  function endWhenSettled<T>(span: Span, run: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = run();
    } catch (error) {
      return new Promise<T>(() => failed(span, error));
    }
    return running.then(
      (result) => {
        span.end();
        return result;
      },
      (error: unknown) => failed(span, error),
    );
  }
  // A query's span is a leaf: it is started under the active context but not made active,
  // which spares a context switch (async-local storage) per query. Under a request the
  // sampler left out, the SDK would only hand back another non-recording span: the query
  // runs as it is instead, without the span's objects and the extra promise.
  function querySpan<T>(sql: string, run: () => Promise<T>): Promise<T> {
    const active = context.active();
    if (!trace.getSpan(active)?.isRecording()) return run();
    const span = tracer.startSpan(
      "db.query",
      { kind: SpanKind.CLIENT, attributes: { "db.system.name": system, "db.query.text": sql } },
      active,
    );
    return endWhenSettled(span, run);
  }
  // A transaction's span is the parent of its queries', so it is made active while it runs.
  function transactionSpan<T>(run: () => Promise<T>): Promise<T> {
    if (!trace.getActiveSpan()?.isRecording()) return run();
    return tracer.startActiveSpan(
      "db.transaction",
      { kind: SpanKind.CLIENT, attributes: { "db.system.name": system } },
      (span) => endWhenSettled(span, run),
    );
  }
  const traced = (queryable: Queryable): Queryable => ({
    query: (sql, params) => querySpan(sql, () => queryable.query(sql, params)),
  });
  const tracedOne: Store = {
    kind: store.kind,
    root: rootOf(store),
    query: traced(store).query,
    transaction: (fn) => transactionSpan(() => store.transaction((tx) => fn(traced(tx)))),
    listen: (channel, onPayload, onReconnect) => store.listen(channel, onPayload, onReconnect),
    notify: (channel, payload) => store.notify(channel, payload),
    close: () => store.close(),
  };
  if (store.poolStats)
    tracedOne.poolStats = () => store.poolStats?.() ?? { total: 0, idle: 0, waiting: 0 };
  return tracedOne;
}
