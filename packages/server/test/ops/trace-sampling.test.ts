import { randomBytes } from "node:crypto";
import { STORE_KINDS } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTracedApp, type TracedApp } from "./traced-app.js";

/**
 * With OTEL_TRACES_SAMPLER_ARG=0 no new trace is recorded, and the server skips the spans of
 * the requests it leaves out; a caller's sampled `traceparent` is still followed to the end,
 * its database spans included.
 */
describe.each(STORE_KINDS)("traces sampled at ratio 0 (%s)", (kind) => {
  let app: TracedApp;
  let base: string;
  let apiKey: string;

  beforeAll(async () => {
    app = await startTracedApp(kind, 0);
    ({ base, apiKey } = app);
  }, 120_000);

  afterAll(() => app?.close());

  const record = async (traceparent?: string) => {
    const response = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${apiKey}`,
        "Content-Type": "application/json",
        ...(traceparent ? { traceparent } : {}),
      },
      body: JSON.stringify({ action: "ops.sampled", actor: { type: "system", id: "probe" } }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { context: { trace_id?: string } | null };
  };

  it("when requests come without a traceparent or with an unsampled one, then no span is exported, and a sampled caller's request exports its server span and database spans", async () => {
    const plain = await record();
    expect(plain.context?.trace_id).toBeUndefined();
    const unsampledTrace = randomBytes(16).toString("hex");
    const unsampled = await record(`00-${unsampledTrace}-${randomBytes(8).toString("hex")}-00`);
    expect(unsampled.context?.trace_id).toBe(unsampledTrace);

    const traceId = randomBytes(16).toString("hex");
    const parentId = randomBytes(8).toString("hex");
    const sampled = await record(`00-${traceId}-${parentId}-01`);
    expect(sampled.context?.trace_id).toBe(traceId);

    // Shutting down exports what the batch processor still holds.
    await app.tracing.shutdown();
    const serverSpan = app.receiver.spans.find((span) => span.name === "POST createEvent");
    expect(serverSpan?.traceId).toBe(traceId);
    expect(serverSpan?.parentSpanId).toBe(parentId);
    const databaseSpans = app.receiver.spans.filter((span) => span.name.startsWith("db."));
    expect(databaseSpans.length).toBeGreaterThan(0);
    for (const span of databaseSpans) expect(span.traceId).toBe(traceId);
    expect(databaseSpans.some((span) => span.parentSpanId === serverSpan?.spanId)).toBe(true);
    expect(app.receiver.spans.every((span) => span.traceId === traceId)).toBe(true);
  });
});
