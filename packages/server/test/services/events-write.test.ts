import {
  issueEvent,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import {
  getProject,
  hashEvent,
  ingestEvents,
  listActions,
  listEvents,
  requestHash,
} from "../../src/services/index.js";

async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error("expected a ServiceError");
}

describe.each(STORE_KINDS)("recording events on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when one event is recorded, then it comes back in the full output shape with its hash", async () => {
    const { projectId } = await newProject(t.store);
    const { events, replayed } = await ingestEvents(t.store, projectId, [
      {
        action: "user.updated",
        actor: {
          type: "agent",
          id: "agent_1",
          on_behalf_of: { type: "user", id: "user_9", email: "ada@example.com" },
        },
        target: { type: "user", id: "user_9" },
        changes: {
          before: { email: "a@x", plan: "free", same: 1 },
          after: { email: "b@x", same: 1, role: "admin" },
        },
        context: { origin: "ui", ip_address: "192.0.2.1" },
        occurred_at: "2026-11-23T12:15:30.123456+02:00",
      },
    ]);
    expect(replayed).toBe(false);
    const [event] = events;
    expect(event).toMatchObject({
      seq: 1,
      prev_hash: null,
      occurred_at: "2026-11-23T10:15:30.123Z",
      actor: {
        type: "agent",
        id: "agent_1",
        name: null,
        email: null,
        on_behalf_of: { type: "user", id: "user_9", name: null, email: "ada@example.com" },
      },
      target: { type: "user", id: "user_9", name: null },
      targets: [],
      workspace_id: null,
      summary: null,
      metadata: {},
      changed_fields: ["email", "plan", "role"],
      context: {
        origin: "ui",
        ip_address: "192.0.2.1",
        user_agent: null,
        trace_id: null,
        request_id: null,
      },
    });
    expect(event?.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(event?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(event?.hash).toBe(hashEvent(event as never));
    // What is stored is what was returned, byte for byte once canonicalised.
    const page = await listEvents(t.store, projectId, {}, {});
    expect(page.data).toEqual(events);
  });

  it("when a batch is recorded, then its seqs are consecutive and the hashes chain", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(t.store, projectId, [issueEvent(0)]);
    const { events } = await ingestEvents(
      t.store,
      projectId,
      Array.from({ length: 5 }, (_, i) => issueEvent(i + 1, { workspace_id: `ws_${i % 2}` })),
    );
    expect(events.map((event) => event.seq)).toEqual([2, 3, 4, 5, 6]);
    for (const [index, event] of events.entries()) {
      if (index > 0) expect(event.prev_hash).toBe(events[index - 1]?.hash);
      expect(event.hash).toBe(hashEvent(event));
    }
    const project = await getProject(t.store, projectId);
    expect(project.counts).toMatchObject({ events: 6, actions: 1, workspaces: 2, api_keys: 1 });
    const actions = await listActions(t.store, projectId);
    expect(actions.data).toEqual([
      expect.objectContaining({ action: "issue.created", count: 6, defined: false }),
    ]);
  });

  it("when metadata is over 16 KiB, then the batch fails with a pointer at that item", async () => {
    const { projectId } = await newProject(t.store);
    const error = await rejection(
      ingestEvents(
        t.store,
        projectId,
        [issueEvent(1), issueEvent(2, { metadata: { blob: "x".repeat(17_000) } })],
        { pointerPrefix: (i) => `/events/${i}` },
      ),
    );
    expect(error.status).toBe(422);
    expect(error.code).toBe("validation_failed");
    expect(error.errors?.map((e) => e.pointer)).toEqual(["/events/1/metadata"]);
    expect((await getProject(t.store, projectId)).counts.events).toBe(0);
  });

  it("when one event's metadata is too large, then the pointer is /metadata", async () => {
    const { projectId } = await newProject(t.store);
    const error = await rejection(
      ingestEvents(t.store, projectId, [issueEvent(1, { metadata: { b: "y".repeat(16_400) } })]),
    );
    expect(error.errors?.[0]?.pointer).toBe("/metadata");
  });

  it("when a string holds a NUL or a time is impossible, then it is 422, not a database error", async () => {
    const { projectId } = await newProject(t.store);
    const error = await rejection(
      ingestEvents(
        t.store,
        projectId,
        [issueEvent(1, { summary: "bad\u0000" }), issueEvent(2, { occurred_at: "not a time" })],
        { pointerPrefix: (i) => `/events/${i}` },
      ),
    );
    expect(error.errors?.map((e) => e.pointer)).toEqual([
      "/events/0/summary",
      "/events/1/occurred_at",
    ]);
  });

  it("when a batch is retried with its idempotency key, then it is written once", async () => {
    const { projectId } = await newProject(t.store);
    const body = { events: [issueEvent(1), issueEvent(2)] };
    const options = {
      idempotencyKey: "retry-1",
      requestHash: requestHash("POST", "/v1/events/batch", body),
    };
    const first = await ingestEvents(t.store, projectId, body.events, options);
    const again = await ingestEvents(t.store, projectId, body.events, options);
    expect(again.replayed).toBe(true);
    expect(again.events).toEqual(first.events);
    expect((await getProject(t.store, projectId)).counts.events).toBe(2);

    const changed = { events: [issueEvent(1), issueEvent(3)] };
    const conflict = await rejection(
      ingestEvents(t.store, projectId, changed.events, {
        idempotencyKey: "retry-1",
        requestHash: requestHash("POST", "/v1/events/batch", changed),
      }),
    );
    expect(conflict.status).toBe(409);
    expect(conflict.code).toBe("idempotency_conflict");
    expect((await getProject(t.store, projectId)).counts.events).toBe(2);
  });

  it("when a batch is replayed, then the replay serialises byte for byte like the first response and a read", async () => {
    const { projectId } = await newProject(t.store);
    const rich = issueEvent(1, {
      actor: {
        type: "user",
        id: "u_1",
        name: "Zoë",
        email: "z@example.com",
        on_behalf_of: { type: "service", id: "svc", name: "Support" },
      },
      targets: [
        { type: "label", id: "bug", name: "Bug" },
        { type: "label", id: "p1" },
      ],
      workspace_id: "ws_1",
      // Keys in an order jsonb does not keep: longer first, multi-byte, numeric-looking.
      metadata: { zzzz: { yy: 1, x: [{ bbb: true, a: null }] }, b: "é", "10": 2.5, ä: 0, a: 1e21 },
      changes: {
        before: { title: "Old", status: "open" },
        after: { title: "New", status: "open" },
      },
      context: { request_id: "req_1", origin: "api", ip_address: "192.0.2.1" },
      occurred_at: "0001-01-01T00:00:00.000Z",
    });
    const events = [
      rich,
      issueEvent(2),
      issueEvent(3, { occurred_at: "2026-05-01T12:00:00+02:00" }),
    ];
    const body = { events };
    const options = {
      idempotencyKey: "bytes",
      requestHash: requestHash("POST", "/v1/events/batch", body),
    };
    const first = await ingestEvents(t.store, projectId, events, options);
    const again = await ingestEvents(t.store, projectId, events, options);
    expect(again.replayed).toBe(true);
    expect(JSON.stringify(again.events)).toBe(JSON.stringify(first.events));
    const read = await listEvents(t.store, projectId, {}, { order: "asc" });
    expect(JSON.stringify(read.data)).toBe(JSON.stringify(first.events));
    expect(first.events[0]?.metadata).toEqual(rich.metadata);
    expect(first.events[0]?.hash).toBe(hashEvent(first.events[0] as never));
  });

  it("when the same key arrives concurrently, then one write happens and the rest replay it", async () => {
    const { projectId } = await newProject(t.store);
    const input = [issueEvent(7)];
    const options = {
      idempotencyKey: "race",
      requestHash: requestHash("POST", "/v1/events", input[0]),
    };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => ingestEvents(t.store, projectId, input, options)),
    );
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(new Set(results.map((result) => result.events[0]?.id)).size).toBe(1);
    expect((await getProject(t.store, projectId)).counts.events).toBe(1);
  });

  it("when the same key is used in two projects, then each project has its own", async () => {
    const a = await newProject(t.store);
    const b = await newProject(t.store);
    const options = { idempotencyKey: "shared", requestHash: "h1" };
    const first = await ingestEvents(t.store, a.projectId, [issueEvent(1)], options);
    const second = await ingestEvents(t.store, b.projectId, [issueEvent(1)], options);
    expect(second.replayed).toBe(false);
    expect(second.events[0]?.id).not.toBe(first.events[0]?.id);
  });

  it("when the project does not exist, then ingest is 404", async () => {
    const error = await rejection(ingestEvents(t.store, "prj_missing", [issueEvent(1)]));
    expect(error.code).toBe("not_found");
  });
});
