import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import {
  createTestDatabase,
  newProject,
  STORE_KINDS,
  type TestDatabase,
  testConfig,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { closeServer, listen, urlOf } from "../../src/http/listen.js";
import type { Store } from "../../src/store/types.js";
import { startTracing, type Tracing } from "../../src/telemetry/tracing.js";
import { OtlpReceiver } from "./otlp-receiver.js";

/**
 * With OTEL_TRACES_SAMPLER_ARG=0 no new trace is recorded, and the server skips the spans of
 * the requests it leaves out; a caller's sampled `traceparent` is still followed to the end,
 * its database spans included.
 */
describe.each(STORE_KINDS)("traces sampled at ratio 0 (%s)", (kind) => {
  let db: TestDatabase;
  let store: Store;
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let server: Server;
  let base: string;
  let apiKey: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind, { migrated: true });
    store = await db.open();
    apiKey = (await newProject(store)).key;
    receiver = new OtlpReceiver();
    tracing = startTracing({
      endpoint: await receiver.start(),
      serviceName: "chronicle-test",
      sampleRatio: 0,
    });
    server = await listen(
      createApp({ store, config: testConfig(), tracer: tracing.tracer }),
      0,
      "127.0.0.1",
    );
    base = urlOf(server);
  }, 120_000);

  afterAll(async () => {
    if (server) await closeServer(server);
    await tracing?.shutdown();
    await receiver?.stop();
    await store?.close();
    await db?.drop();
  });

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
    await tracing.shutdown();
    const serverSpan = receiver.spans.find((span) => span.name === "POST createEvent");
    expect(serverSpan?.traceId).toBe(traceId);
    expect(serverSpan?.parentSpanId).toBe(parentId);
    const databaseSpans = receiver.spans.filter((span) => span.name.startsWith("db."));
    expect(databaseSpans.length).toBeGreaterThan(0);
    for (const span of databaseSpans) expect(span.traceId).toBe(traceId);
    expect(databaseSpans.some((span) => span.parentSpanId === serverSpan?.spanId)).toBe(true);
    expect(receiver.spans.every((span) => span.traceId === traceId)).toBe(true);
  });
});
