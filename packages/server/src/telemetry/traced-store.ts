import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { Response } from "express";
import { rootOf } from "../store/root.js";
import type { Queryable, Store } from "../store/types.js";
import { requestSpanOf } from "./request-spans.js";

/**
 * The store as one traced request sees it: a client span per query and per transaction,
 * children of `parent` (the request's span), with a transaction's queries children of the
 * transaction's span. The parent is handed over, not looked up in an async-local context:
 * carrying that context would make every promise of every request pay for promise hooks
 * once one request is traced (bench/FINDINGS.md B22, B28). The view shares the store's
 * connections and its root identity (store/root.ts).
 * Stands in for the pg instrumentation, which needs a module loader hook and does not see PGlite.
 */
export function tracedStore(store: Store, tracer: Tracer, parent: Span): Store {
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
  const attributes = { "db.system.name": system };
  const traced = (queryable: Queryable, under: Context): Queryable => ({
    query: (sql, params) =>
      endWhenSettled(
        tracer.startSpan(
          "db.query",
          { kind: SpanKind.CLIENT, attributes: { ...attributes, "db.query.text": sql } },
          under,
        ),
        () => queryable.query(sql, params),
      ),
  });
  const request = trace.setSpan(ROOT_CONTEXT, parent);
  const view: Store = {
    kind: store.kind,
    root: rootOf(store),
    query: traced(store, request).query,
    transaction: (fn) => {
      const span = tracer.startSpan(
        "db.transaction",
        { kind: SpanKind.CLIENT, attributes },
        request,
      );
      const inTransaction = trace.setSpan(ROOT_CONTEXT, span);
      return endWhenSettled(span, () => store.transaction((tx) => fn(traced(tx, inTransaction))));
    },
    listen: (channel, onPayload, onReconnect) => store.listen(channel, onPayload, onReconnect),
    notify: (channel, payload) => store.notify(channel, payload),
    close: () => store.close(),
    ...(store.reads && { reads: tracedStore(store.reads, tracer, parent) }),
    ...(store.abortable && {
      abortable: (signal: AbortSignal) =>
        tracedStore((store.abortable as (s: AbortSignal) => Store)(signal), tracer, parent),
    }),
  };
  if (store.poolStats)
    view.poolStats = () => store.poolStats?.() ?? { total: 0, idle: 0, waiting: 0, max: 0 };
  return view;
}

/**
 * The store each request works with: a traced view under the request's span when the
 * request is recorded (made once, on first use), else `store` itself, so a request the
 * sampler left out costs nothing here.
 */
export function requestStores(store: Store, tracer: Tracer): (res: Response) => Store {
  return (res) => {
    const made = res.locals.tracedStore as Store | undefined;
    if (made) return made;
    const span = requestSpanOf(res);
    if (!span?.isRecording()) return store;
    const view = tracedStore(store, tracer, span);
    res.locals.tracedStore = view;
    return view;
  };
}
