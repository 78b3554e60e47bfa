import {
  client,
  event,
  newProject,
  STORE_KINDS,
  setUp,
  startServer,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStream } from "./sse-client.js";

describe.each(STORE_KINDS)("live tail over SSE (%s)", (kind) => {
  let ctx: TestContext;
  let key: string;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    ctx = await setUp(kind, { heartbeatMs: 300 });
    key = (await newProject(ctx.store)).key;
    api = client(ctx.server.base, key);
    await api("POST", "/v1/events", { body: event({ summary: "before the tail" }) });
  });
  afterAll(async () => {
    await ctx.close();
  });

  const auth = () => ({ Authorization: `Bearer ${key}` });

  it("when events are written, then the tail sends them with id = seq, heartbeats, and filters", async () => {
    const tail = await openStream(`${ctx.server.base}/v1/events/stream?action=issue.*`, auth());
    expect(tail.response.status).toBe(200);
    expect(tail.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    await api("POST", "/v1/events", { body: event({ action: "zone.updated" }) });
    const created = await api("POST", "/v1/events", { body: event({ summary: "live" }) });
    await tail.until(() => tail.messages.length >= 1 && tail.comments.length >= 1);
    const [message] = tail.messages;
    expect(message?.event).toBe("event");
    expect(message?.id).toBe(String(created.json.seq));
    expect(JSON.parse(message?.data ?? "{}")).toEqual(created.json);
    expect(tail.messages).toHaveLength(1);
    await tail.close();
  });

  it("when a tail resumes with Last-Event-ID, then it gets everything written meanwhile exactly once", async () => {
    const first = await openStream(`${ctx.server.base}/v1/events/stream`, auth());
    await api("POST", "/v1/events", { body: event({ summary: "a" }) });
    await first.until(() => first.messages.length === 1);
    const lastId = first.messages[0]?.id as string;
    await first.close();

    // A second app stands in for another replica: on PostgreSQL with its own pool (its own
    // connections, so the event reaches the tail only through NOTIFY and the database);
    // PGlite is one process's, so there it shares the store.
    const otherStore = kind === "postgres" ? await ctx.db.open() : ctx.store;
    const other = await startServer(otherStore);
    const viaOther = client(other.base, key);
    const meanwhile: number[] = [];
    for (let i = 0; i < 3; i++) {
      meanwhile.push(
        (await api("POST", "/v1/events", { body: event({ summary: `gap ${i}` }) })).json.seq,
      );
    }
    const resumed = await openStream(`${ctx.server.base}/v1/events/stream`, {
      ...auth(),
      "Last-Event-ID": lastId,
    });
    await resumed.until(() => resumed.messages.length === 3);
    const batch = await viaOther("POST", "/v1/events/batch", {
      body: { events: [event({ summary: "replica 1" }), event({ summary: "replica 2" })] },
    });
    const later = batch.json.data.map((e: { seq: number }) => e.seq);
    await resumed.until(() => resumed.messages.length === 5);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(resumed.messages.map((m) => Number(m.id))).toEqual([...meanwhile, ...later]);
    await resumed.close();
    await other.close();
    if (otherStore !== ctx.store) await otherStore.close();
  });

  it("when Last-Event-ID is not a seq, then 400 invalid_parameter", async () => {
    const response = await api("GET", "/v1/events/stream", { headers: { "Last-Event-ID": "abc" } });
    expect(response.status).toBe(400);
    expect(response.json.errors[0].pointer).toBe("/header/Last-Event-ID");
  });

  it.each([
    ["q", `q=${encodeURIComponent('actor:"unclosed')}`],
    ["q", `q=${encodeURIComponent("(action:issue.created")}`],
    ["start_time", "start_time=2026-02-30T99:00:00Z"],
    ["include_on_behalf", "include_on_behalf=true"],
  ])(
    "when the filter %s cannot be read (%s), then 400 before the stream starts",
    async (name, query) => {
      const response = await api("GET", `/v1/events/stream?${query}`);
      expect(response.status).toBe(400);
      expect(response.json.code).toBe("invalid_parameter");
      expect(response.json.errors[0].pointer).toBe(`/query/${name}`);
    },
  );
});

describe.runIf(process.env.DATABASE_URL)("live tail across processes' stores (postgres)", () => {
  let ctx: TestContext;
  afterAll(async () => {
    await ctx?.close();
  });

  it("when an event is written through a second app on its own connection pool, then the tail receives it", async () => {
    ctx = await setUp("postgres", { heartbeatMs: 5000 });
    const { key } = await newProject(ctx.store);
    const secondStore = await ctx.db.open();
    const second = await startServer(secondStore);
    try {
      const tail = await openStream(`${ctx.server.base}/v1/events/stream`, {
        Authorization: `Bearer ${key}`,
      });
      const written = await client(second.base, key)("POST", "/v1/events", {
        body: event({ summary: "from replica" }),
      });
      expect(written.status).toBe(201);
      // The heartbeat is 5 s, so arriving well before it proves NOTIFY woke the tail.
      const started = Date.now();
      await tail.until(() => tail.messages.length === 1, 4000);
      expect(Date.now() - started).toBeLessThan(4000);
      expect(Number(tail.messages[0]?.id)).toBe(written.json.seq);
      await tail.close();
    } finally {
      await second.close();
      await secondStore.close();
    }
  });
});
