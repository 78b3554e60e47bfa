// Seed 002, Sequence's activity logs: every row of its table in
// docs/guides/coming-from.md, against the real server through the SDK (raw HTTP where the
// row is about the wire). Each test is named after its row.
import { newProject } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EventInput, NotFoundError } from "../../packages/sdk/src/index.js";
import { call, failure, SETUP_TIMEOUT_MS, type SeedServer, startSeedServer } from "./support.js";

let server: SeedServer;

const john = { type: "user" as const, id: "usr_123", email: "john.doe@sequencehq.com" };

/** Invoices created and sent to customers, as Sequence records them. */
function invoiceEvent(n: number): EventInput {
  return {
    action: n % 2 ? "invoice.sent" : "invoice.created",
    actor: john,
    target: { type: "invoice", id: `inv_${n % 5}` },
    targets: [{ type: "customer", id: `cus_${n % 3}` }],
    summary: n % 2 ? "Invoice sent to customer" : "A new invoice was created for customer",
    metadata: { amount: 100 * n },
    context: { origin: n % 4 ? "api" : "ui", trace_id: `trace_${n}` },
  };
}

beforeAll(async () => {
  server = await startSeedServer("Sequence");
  await server.chronicle.events.batch({
    events: Array.from({ length: 20 }, (_, n) => invoiceEvent(n)),
  });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await server?.close();
});

describe("coming from seed 002 (Sequence activity logs)", () => {
  it("GET /activity-logs: list all activity logs", async () => {
    const all = await server.chronicle.events.list({ limit: 100 });
    expect(all.data).toHaveLength(20);
  });

  it("Authorization: Basic credentials", async () => {
    const basic = (credentials: string) =>
      call(server, "/v1/events?limit=1", {
        headers: { authorization: `Basic ${Buffer.from(credentials).toString("base64")}` },
      });
    const ok = await basic(`${server.key}:`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: unknown[] }).data).toHaveLength(1);
    for (const wrong of [`${server.key}:a-password`, "chr_not_a_key:", ":"]) {
      const refused = await basic(wrong);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ code: "unauthorized" });
    }
  });

  it("sequence-version header", async () => {
    const pinned = await call(server, "/v1/events?limit=1", {
      headers: { "Chronicle-Version": "2026-11-01" },
    });
    expect(pinned.headers.get("chronicle-version")).toBe("2026-11-01");
    const latest = await call(server, "/v1/events?limit=1");
    expect(latest.headers.get("chronicle-version")).toBe("2026-11-01");
    const unknown = await call(server, "/v1/events?limit=1", {
      headers: { "Chronicle-Version": "2024-07-30" },
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: "unsupported_version" });
  });

  it("before and after cursors", async () => {
    const all = await server.chronicle.events.list({ limit: 100 });
    const first = await server.chronicle.events.list({ limit: 5 });
    const second = await server.chronicle.events.list({
      limit: 5,
      cursor: first.next_cursor ?? "",
    });
    expect(second.data.map((event) => event.id)).toEqual(
      all.data.slice(5, 10).map((event) => event.id),
    );
    const back = await server.chronicle.events.list({ limit: 5, cursor: second.prev_cursor ?? "" });
    expect(back.data.map((event) => event.id)).toEqual(first.data.map((event) => event.id));
  });

  it("limit between 1 and 100", async () => {
    expect((await server.chronicle.events.list({ limit: 1 })).data).toHaveLength(1);
    const zero = await call(server, "/v1/events?limit=0");
    expect(zero.status).toBe(400);
    expect(await zero.json()).toMatchObject({ code: "invalid_parameter" });
  });

  it("sortOrder, default DESC", async () => {
    const desc = await server.chronicle.events.list({ limit: 100 });
    const asc = await server.chronicle.events.list({ order: "asc", limit: 100 });
    expect(asc.data.map((event) => event.id)).toEqual(desc.data.map((event) => event.id).reverse());
    expect(desc.data[0]?.seq).toBeGreaterThan(desc.data[1]?.seq ?? Number.POSITIVE_INFINITY);
  });

  it("activityLogObjectId and activityLogObjectEntityId filters", async () => {
    const feed = await server.chronicle.targets.list("invoice", "inv_2").toArray({ max: 100 });
    expect(feed).toHaveLength(4);
    expect(feed.every((event) => event.target?.id === "inv_2")).toBe(true);
    const filtered = await server.chronicle.events.list({
      target_type: "invoice",
      target_id: "inv_2",
      limit: 100,
    });
    expect(filtered.data.map((event) => event.id)).toEqual(feed.map((event) => event.id));
  });

  it("pagination.totalResultSize", async () => {
    const page = await server.chronicle.events.list({
      action: "invoice.sent",
      limit: 2,
      include_total: true,
    });
    expect(page.total).toBe(10);
    expect(page.data).toHaveLength(2);
    expect((await server.chronicle.events.list({ limit: 2 })).total).toBeUndefined();
  });

  it("id and createdAt", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1 })).data;
    expect(event?.id).toMatch(/^evt_/);
    expect(event?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("activityType, verb and name", async () => {
    await server.chronicle.actions.define("invoice.created", {
      description: "Invoice Created",
    });
    const actions = await server.chronicle.actions.list().toArray({ max: 100 });
    expect(actions.find((action) => action.action === "invoice.created")).toMatchObject({
      description: "Invoice Created",
    });
    const created = await server.chronicle.events.list({ action: "invoice.created", limit: 100 });
    expect(created.data).toHaveLength(10);
  });

  it("origin", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1, order: "asc" })).data;
    expect(event?.context?.origin).toBe("ui");
  });

  it("traceId", async () => {
    const [sent] = (await server.chronicle.events.list({ limit: 1, order: "asc" })).data;
    expect(sent?.context?.trace_id).toBe("trace_0");
    // Without a trace id in the body, the recording request's traceparent supplies one.
    const response = await call(server, "/v1/events", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: "00-f26ad30d3be41b2f64fa7dbfb22ba5fd-00f067aa0ba902b7-01",
      },
      body: JSON.stringify({ action: "invoice.voided", actor: john }),
    });
    expect(response.status).toBe(201);
    const recorded = (await response.json()) as { context: { trace_id: string } };
    expect(recorded.context.trace_id).toBe("f26ad30d3be41b2f64fa7dbfb22ba5fd");
    const byTrace = await server.chronicle.events.list({
      trace_id: "f26ad30d3be41b2f64fa7dbfb22ba5fd",
    });
    expect(byTrace.data.map((event) => event.action)).toEqual(["invoice.voided"]);
  });

  it("activityLogItems: several items of one activity", async () => {
    const result = await server.chronicle.events.batch({
      events: [
        {
          action: "credit_note.created",
          actor: john,
          target: { type: "credit_note", id: "cn_1" },
          correlation_id: "op_void_inv_1",
        },
        {
          action: "invoice.voided",
          actor: john,
          target: { type: "invoice", id: "inv_1" },
          correlation_id: "op_void_inv_1",
        },
      ],
    });
    const [first, second] = result.data;
    expect(second?.seq).toBe((first?.seq ?? 0) + 1);
    const operation = await server.chronicle.events.list({
      correlation_id: "op_void_inv_1",
      order: "asc",
    });
    expect(operation.data.map((event) => event.action)).toEqual([
      "credit_note.created",
      "invoice.voided",
    ]);
    // All or nothing: one invalid item records none of them.
    const before = await server.chronicle.events.list({ include_total: true, limit: 1 });
    const rejected = await call(server, "/v1/events/batch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        events: [{ action: "invoice.voided", actor: john }, { action: "X" }],
      }),
    });
    expect(rejected.status).toBe(422);
    const after = await server.chronicle.events.list({ include_total: true, limit: 1 });
    expect(after.total).toBe(before.total);
  });

  it("apiVersion", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1, order: "asc" })).data;
    expect(event?.api_version).toBe("2026-11-01");
  });

  it("reason", async () => {
    const denied = await server.chronicle.events.create({
      action: "invoice.finalized",
      actor: john,
      target: { type: "invoice", id: "inv_4" },
      outcome: "denied",
      reason: "New billing cycle not started",
    });
    expect(await server.chronicle.events.get(denied.id)).toMatchObject({
      outcome: "denied",
      reason: "New billing cycle not started",
    });
    const deniedOnly = await server.chronicle.events.list({ outcome: "denied" });
    expect(deniedOnly.data.map((event) => event.id)).toEqual([denied.id]);
  });

  it("summary and metadata", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1, order: "asc" })).data;
    expect(event).toMatchObject({
      summary: "A new invoice was created for customer",
      metadata: { amount: 0 },
    });
  });

  it("activityLogActor: entityType, entityId, email", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1 })).data;
    expect(event?.actor).toMatchObject({
      type: "user",
      id: "usr_123",
      email: "john.doe@sequencehq.com",
    });
    const byActor = await server.chronicle.events.list({ actor_id: "usr_123", limit: 100 });
    expect(byActor.data.length).toBeGreaterThanOrEqual(20);
  });

  it("activityLogObject", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1, order: "asc" })).data;
    expect(event?.target).toEqual({ type: "invoice", id: "inv_0", name: null });
  });

  it("activityLogTarget", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1, order: "asc" })).data;
    expect(event?.targets).toEqual([{ type: "customer", id: "cus_0", name: null }]);
    // The customer's own feed includes the events that name it as a further target.
    const customer = await server.chronicle.targets.list("customer", "cus_1").toArray({ max: 100 });
    expect(customer.length).toBeGreaterThan(0);
    expect(customer.every((e) => e.targets.some((t) => t.id === "cus_1"))).toBe(true);
  });

  it("sequenceAccountId: the account the logs belong to", async () => {
    const other = await newProject(server.ctx.store, "Another account");
    const stranger = server.as(other.key);
    expect((await stranger.events.list()).data).toEqual([]);
    const [mine] = (await server.chronicle.events.list({ limit: 1 })).data;
    expect(await failure(stranger.events.get(mine?.id ?? ""))).toBeInstanceOf(NotFoundError);
    expect((await stranger.targets.list("invoice", "inv_0")).data).toEqual([]);
  });

  it("actor entity types", async () => {
    const agent = await server.chronicle.events.create({
      action: "invoice.reminded",
      actor: { type: "agent", id: "agt_dunning", on_behalf_of: { type: "user", id: "usr_123" } },
      target: { type: "invoice", id: "inv_3" },
    });
    expect(agent.actor.on_behalf_of).toMatchObject({ type: "user", id: "usr_123" });
    const agents = await server.chronicle.events.list({ actor_type: "agent", limit: 100 });
    expect(agents.data.map((event) => event.id)).toEqual([agent.id]);
  });
});
