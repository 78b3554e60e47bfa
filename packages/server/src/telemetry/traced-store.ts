import { SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type { Queryable, Store } from "../store/types.js";

/**
 * The store with a client span per query and per transaction, made only inside a request's
 * span: background work (purge timers, stream polling) would otherwise start a trace per poll.
 * Stands in for the pg instrumentation, which needs a module loader hook and does not see PGlite.
 */
export function tracedStore(store: Store, tracer: Tracer): Store {
  const system = store.kind === "postgres" ? "postgresql" : "pglite";
  function inSpan<T>(name: string, sql: string | undefined, run: () => Promise<T>): Promise<T> {
    if (!trace.getActiveSpan()) return run();
    return tracer.startActiveSpan(
      name,
      {
        kind: SpanKind.CLIENT,
        attributes: { "db.system.name": system, ...(sql ? { "db.query.text": sql } : {}) },
      },
      async (span) => {
        try {
          return await run();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }
  const traced = (queryable: Queryable): Queryable => ({
    query: (sql, params) => inSpan("db.query", sql, () => queryable.query(sql, params)),
  });
  const tracedOne: Store = {
    kind: store.kind,
    query: traced(store).query,
    transaction: (fn) =>
      inSpan("db.transaction", undefined, () => store.transaction((tx) => fn(traced(tx)))),
    listen: (channel, onPayload, onReconnect) => store.listen(channel, onPayload, onReconnect),
    notify: (channel, payload) => store.notify(channel, payload),
    close: () => store.close(),
  };
  if (store.poolStats)
    tracedOne.poolStats = () => store.poolStats?.() ?? { total: 0, idle: 0, waiting: 0 };
  return tracedOne;
}
