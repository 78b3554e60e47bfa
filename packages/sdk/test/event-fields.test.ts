import { createHash } from "node:crypto";
import {
  type Client,
  client,
  event as fixture,
  newProject,
  STORE_KINDS,
  setUp,
  type TestContext,
} from "@chronicle/test-kit";
import canonicalize from "canonicalize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chronicle, type EventInput, hashEvent, ValidationError } from "../src/index.js";

const event = (overrides: Partial<EventInput> = {}): EventInput =>
  fixture(overrides as Parameters<typeof fixture>[0]) as EventInput;

describe.each(STORE_KINDS)("outcome, reason, correlation and versions (%s)", (kind) => {
  let ctx: TestContext;
  let chronicle: Chronicle;
  let api: Client;

  beforeAll(async () => {
    ctx = await setUp(kind);
    const { key } = await newProject(ctx.store, "Event fields");
    chronicle = new Chronicle({ apiKey: key, baseUrl: ctx.server.base });
    api = client(ctx.server.base, key);
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when an event is written with outcome, reason and correlation_id, then it is stored with them and the API version", async () => {
    const created = await chronicle.events.create(
      event({
        action: "payment.captured",
        outcome: "denied",
        reason: "card declined by policy risk-7",
        correlation_id: "op_checkout_1",
      }),
    );
    expect(created).toMatchObject({
      outcome: "denied",
      reason: "card declined by policy risk-7",
      correlation_id: "op_checkout_1",
      api_version: "2026-11-01",
      schema_version: null,
    });
    expect(await chronicle.events.get(created.id)).toEqual(created);
    expect(await hashEvent(created)).toBe(created.hash);
  });

  it("when an event is written without them, then they are null and its hash leaves them out but api_version", async () => {
    const created = await chronicle.events.create(event({ action: "issue.viewed" }));
    expect(created).toMatchObject({ outcome: null, reason: null, correlation_id: null });
    const { hash, outcome, reason, correlation_id, schema_version, ...hashed } = created;
    expect([outcome, reason, correlation_id, schema_version]).toEqual([null, null, null, null]);
    const digest = createHash("sha256")
      .update(canonicalize(hashed) as string, "utf8")
      .digest("hex");
    expect(digest).toBe(hash);
  });

  it("when an event of the first shape is read back with the later members null, then it verifies unchanged", async () => {
    const created = await chronicle.events.create(event({ action: "issue.archived" }));
    const {
      hash: _hash,
      outcome: _o,
      reason: _r,
      correlation_id: _c,
      api_version: _a,
      schema_version: _s,
      ...firstShape
    } = created;
    const firstHash = createHash("sha256")
      .update(canonicalize(firstShape) as string, "utf8")
      .digest("hex");
    const asReadNow = { ...created, api_version: null, hash: firstHash };
    expect(await hashEvent(asReadNow)).toBe(firstHash);
  });

  it("when the list is filtered by outcome or correlation_id, then only those events come back, an operation's in order", async () => {
    await chronicle.events.batch({
      events: [
        event({ action: "order.created", correlation_id: "op_2", outcome: "success" }),
        event({ action: "payment.captured", correlation_id: "op_2", outcome: "failure" }),
        event({ action: "email.sent", correlation_id: "op_3", outcome: "success" }),
        event({ action: "order.cancelled", correlation_id: "op_2", outcome: "success" }),
      ],
    });
    const operation = await chronicle.events.list({ correlation_id: "op_2", order: "asc" });
    expect(operation.data.map((item) => item.action)).toEqual([
      "order.created",
      "payment.captured",
      "order.cancelled",
    ]);
    const failed = await chronicle.events.list({ outcome: "failure" });
    expect(failed.data.map((item) => item.action)).toEqual(["payment.captured"]);
    const denied = await chronicle.events.list({ outcome: "denied" });
    expect(denied.data.map((item) => item.correlation_id)).toEqual(["op_checkout_1"]);
  });

  it("when outcome is not one of the four or reason is too long, then the write is 422 and the filter 400", async () => {
    const badOutcome = await api("POST", "/v1/events", {
      body: event({ outcome: "maybe" as never }),
    });
    expect(badOutcome.status).toBe(422);
    expect(badOutcome.json.errors[0].pointer).toBe("/outcome");
    await expect(
      chronicle.events.create(event({ reason: "x".repeat(501) })),
    ).rejects.toBeInstanceOf(ValidationError);
    const emptyCorrelation = await api("POST", "/v1/events", {
      body: event({ correlation_id: "" }),
    });
    expect(emptyCorrelation.status).toBe(422);
    const badFilter = await api("GET", "/v1/events?outcome=maybe");
    expect(badFilter.status).toBe(400);
    expect(badFilter.json.code).toBe("invalid_parameter");
  });

  it("when the whole chain is verified, then events with and without the new fields verify", async () => {
    const report = await api("GET", "/v1/integrity");
    expect(report.status).toBe(200);
    expect(report.json.valid).toBe(true);
  });
});
