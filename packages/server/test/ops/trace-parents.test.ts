import { randomBytes } from "node:crypto";
import { type OtlpSpan, STORE_KINDS } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTracedApp, type TracedApp } from "./traced-app.js";

/**
 * Query spans get their parent from the request's own view of the store, not from an
 * async-local context (there is none): concurrent requests, writes sharing a group commit
 * and reads side by side, each database span under its own request's server span (directly,
 * or through the transaction it ran in), none a root of its own and none in another trace.
 */
describe.each(STORE_KINDS)("database spans under their request's span (%s)", (kind) => {
  let app: TracedApp;
  let base: string;
  let apiKey: string;

  beforeAll(async () => {
    app = await startTracedApp(kind);
    ({ base, apiKey } = app);
  }, 120_000);

  afterAll(() => app?.close());

  /** Sends a request in a trace of its own; resolves to that trace's id once answered. */
  const traced = async (path: string, init: RequestInit = {}) => {
    const traceId = randomBytes(16).toString("hex");
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        "Content-Type": "application/json",
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
      },
    });
    expect(response.status).toBeLessThan(300);
    await response.arrayBuffer();
    return traceId;
  };
  const record = (index: number) =>
    traced("/v1/events", {
      method: "POST",
      body: JSON.stringify({
        action: "ops.parented",
        actor: { type: "user", id: `user_${index}` },
      }),
    });
  const list = (index: number) => traced(`/v1/events?actor_id=user_${index}&limit=5`);
  const define = (index: number) =>
    traced(`/v1/actions/ops.defined_${index}`, {
      method: "PUT",
      body: JSON.stringify({ description: `defined ${index}` }),
    });

  it("when writes and reads run concurrently, then every database span descends from its own request's server span", async () => {
    const writes = await Promise.all(Array.from({ length: 12 }, (_, index) => record(index)));
    const [reads, definitions, streams] = await Promise.all([
      Promise.all(Array.from({ length: 12 }, (_, index) => list(index))),
      Promise.all(Array.from({ length: 6 }, (_, index) => define(index))),
      Promise.all(Array.from({ length: 3 }, () => traced("/v1/streams"))),
    ]);
    await app.tracing.shutdown();

    const byId = new Map(app.receiver.spans.map((span) => [span.spanId, span]));
    const serverSpanOf = (span: OtlpSpan): OtlpSpan | undefined => {
      let current: OtlpSpan | undefined = span;
      while (current?.name.startsWith("db.")) {
        current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined;
      }
      return current;
    };
    const databaseSpans = app.receiver.spans.filter((span) => span.name.startsWith("db."));
    expect(databaseSpans.length).toBeGreaterThan(0);
    for (const span of databaseSpans) {
      const request = serverSpanOf(span);
      expect(request?.name, `${span.name} ${span.spanId} has no request above it`).toMatch(
        /^(POST createEvent|GET listEvents|PUT defineAction|GET listStreams)$/,
      );
      expect(request?.traceId).toBe(span.traceId);
    }
    // Each read and each definition ran its own queries in its own trace (a definition in a
    // transaction, whose queries are its children); the writes shared group commits, whose
    // statements belong to the request that opened each group.
    const tracesWithQueries = new Set(databaseSpans.map((span) => span.traceId));
    for (const traceId of [...reads, ...definitions, ...streams]) {
      expect(tracesWithQueries.has(traceId)).toBe(true);
    }
    expect(writes.some((traceId) => tracesWithQueries.has(traceId))).toBe(true);
    const transactions = databaseSpans.filter((span) => span.name === "db.transaction");
    expect(new Set(transactions.map((span) => span.traceId))).toEqual(new Set(definitions));
    for (const transaction of transactions) {
      expect(byId.get(transaction.parentSpanId ?? "")?.name).toBe("PUT defineAction");
      expect(databaseSpans.some((span) => span.parentSpanId === transaction.spanId)).toBe(true);
    }
  });
});
