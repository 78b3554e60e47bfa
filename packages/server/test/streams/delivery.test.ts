import {
  type Behaviour,
  client,
  event,
  newProject,
  Receiver,
  STORE_KINDS,
  setUp,
  type TestContext,
  testStreamsConfig,
  waitFor,
} from "@chronicle/test-kit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStreamsContext, StreamWorker } from "../../src/services/streams/index.js";
import { expectDelivered, verifiedBatches } from "./checks.js";

describe.each(STORE_KINDS)("log stream delivery (%s)", { timeout: 90_000 }, (kind) => {
  let ctx: TestContext;
  let worker: StreamWorker;
  const receivers: Receiver[] = [];
  const streamsConfig = testStreamsConfig({ pauseAfterMs: 5000 });

  beforeAll(async () => {
    ctx = await setUp(kind, { streams: streamsConfig });
  }, 180_000);
  // A worker per test, stopped (its deliveries in flight finished) and its streams deleted
  // before the receivers close: a stream outliving its test would keep retrying its closed
  // receiver's port, which a later test's receiver may be given.
  beforeEach(() => {
    worker = new StreamWorker(createStreamsContext(ctx.store, streamsConfig));
    worker.start();
  });
  afterEach(async () => {
    await worker.stop();
    await ctx.store.transaction(async (tx) => {
      await tx.query("DELETE FROM stream_deliveries");
      await tx.query("DELETE FROM streams");
    });
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });
  afterAll(async () => {
    await ctx.close();
  }, 180_000);

  /** A project of the test's own and a client holding its admin key. */
  async function newProjectApi() {
    const { projectId, key } = await newProject(ctx.store);
    return { projectId, api: client(ctx.server.base, key) };
  }

  async function receiver(behaviour?: Behaviour) {
    const started = await new Receiver(behaviour).start();
    receivers.push(started);
    return started;
  }

  async function projectSeqs(projectId: string, afterSeq: number, action?: (a: string) => boolean) {
    const rows = await ctx.store.query<{ seq: number; action: string }>(
      "SELECT seq, action FROM events WHERE project_id = $1 AND seq > $2 ORDER BY seq",
      [projectId, afterSeq],
    );
    return rows.filter((row) => !action || action(row.action)).map((row) => Number(row.seq));
  }

  type Api = ReturnType<typeof client>;

  /** `count` webhook streams of the project to `url`, each sending a batch at once. */
  async function webhookStreams(api: Api, url: string, count: number, name: string) {
    const ids: string[] = [];
    for (let n = 0; n < count; n++) {
      const created = await api("POST", "/v1/streams", {
        body: {
          name: `${name} ${n}`,
          destination: { type: "webhook", url },
          batching: { linger_ms: 0 },
        },
      });
      ids.push(created.json.id);
    }
    return ids;
  }

  async function everyStreamDelivers(api: Api, ids: string[], seq: number) {
    await waitFor(async () => {
      const cursors = await Promise.all(
        ids.map(async (id) => (await api("GET", `/v1/streams/${id}`)).json.cursor_seq as number),
      );
      return cursors.every((cursor) => cursor >= seq) || undefined;
    }, `every stream to deliver seq ${seq}`);
  }

  it("when the webhook fails, answers 429 with Retry-After, answers slowly and drops connections, then every event arrives once in order, signed, retried under the same webhook-id", async () => {
    const { projectId, api } = await newProjectApi();
    const plan: ReturnType<Behaviour>[] = [
      { status: 500 },
      { status: 429, headers: { "retry-after": "1" } },
      { delayMs: 1500 },
      { drop: true },
      { status: 503 },
    ];
    const hook = await receiver((index) => plan[index] ?? { status: 204 });
    const created = await api("POST", "/v1/streams", {
      body: {
        name: "SIEM",
        destination: { type: "webhook", url: `${hook.url}/hook` },
        batching: { max_events: 7, linger_ms: 0 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.json.secret).toMatch(/^whsec_/);
    const startSeq = created.json.cursor_seq as number;
    for (let round = 0; round < 4; round++) {
      const batch = Array.from({ length: 10 }, (_, i) =>
        event({ target: { type: "issue", id: `ISS-${round}-${i}` } }),
      );
      expect((await api("POST", "/v1/events/batch", { body: { events: batch } })).status).toBe(201);
    }
    const expected = await projectSeqs(projectId, startSeq);
    expect(expected.length).toBe(41);
    await waitFor(async () => {
      const stream = await api("GET", `/v1/streams/${created.json.id}`);
      return stream.json.cursor_seq >= (expected.at(-1) as number) || undefined;
    }, "the cursor to reach the last event");
    const batches = verifiedBatches(hook.requests, created.json.secret);
    expectDelivered(batches, expected);
    // The 429 asked for one second: the retry waited at least that long.
    const retryAt = hook.requests[2]?.at ?? 0;
    expect(retryAt - (hook.requests[1]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(hook.requests[0]?.headers["webhook-id"]).toBe(hook.requests[4]?.headers["webhook-id"]);
    expect(hook.maxInFlight).toBe(1);

    const attempts = await api("GET", `/v1/streams/${created.json.id}/deliveries`);
    expect(attempts.status).toBe(200);
    const outcomes = (attempts.json.data as { outcome: string }[]).map((a) => a.outcome).reverse();
    expect(outcomes.slice(0, 5)).toEqual(["failed", "failed", "failed", "failed", "failed"]);
    expect(outcomes[5]).toBe("delivered");
    expect(attempts.json.data[attempts.json.data.length - 2].status_code).toBe(429);
  });

  it("when Splunk HEC is the destination, then each event is one HEC event object with time, source and sourcetype, under the Splunk token", async () => {
    const { projectId, api } = await newProjectApi();
    const hec = await receiver(() => ({ status: 200, body: '{"text":"Success","code":0}' }));
    const created = await api("POST", "/v1/streams", {
      body: {
        name: "Splunk",
        destination: {
          type: "splunk_hec",
          url: `${hec.url}/`,
          token: "hec-token-1",
          index: "audit",
        },
        batching: { linger_ms: 0 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.json.secret).toBeNull();
    expect(JSON.stringify(created.json)).not.toContain("hec-token-1");
    await api("POST", "/v1/events/batch", { body: { events: [event(), event(), event()] } });
    const expected = await projectSeqs(projectId, created.json.cursor_seq);
    await waitFor(() => {
      const seen = hec.requests.flatMap((r) => r.body.split("\n").map((line) => JSON.parse(line)));
      return seen.length >= expected.length ? seen : undefined;
    }, "HEC events");
    for (const request of hec.requests) {
      expect(request.path).toBe("/services/collector/event");
      expect(request.headers.authorization).toBe("Splunk hec-token-1");
      expect(request.headers["content-type"]).toBe("application/json");
    }
    const lines = hec.requests.flatMap((r) => r.body.split("\n").map((line) => JSON.parse(line)));
    expect(lines.map((line) => line.event.seq)).toEqual(expected);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(["event", "index", "source", "sourcetype", "time"]);
      expect(line.source).toBe("chronicle");
      expect(line.sourcetype).toBe("chronicle:event");
      expect(line.index).toBe("audit");
      expect(line.time).toBe(Date.parse(line.event.created_at) / 1000);
    }
  });

  it("when Datadog is the destination, then logs go to the v2 intake as a JSON array with DD-API-KEY, ddsource, service and ddtags", async () => {
    const { projectId, api } = await newProjectApi();
    const intake = await receiver(() => ({ status: 202, body: "{}" }));
    const created = await api("POST", "/v1/streams", {
      body: {
        name: "Datadog",
        destination: {
          type: "datadog",
          api_key: "dd-key-1",
          site: "datadoghq.eu",
          url: `${intake.url}/api/v2/logs`,
          ddtags: "env:test,team:security",
        },
        batching: { linger_ms: 0 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.json.destination).toMatchObject({ site: "datadoghq.eu", service: "chronicle" });
    await api("POST", "/v1/events/batch", { body: { events: [event(), event()] } });
    const expected = await projectSeqs(projectId, created.json.cursor_seq);
    await waitFor(() => {
      const logs = intake.requests.flatMap((r) => JSON.parse(r.body) as unknown[]);
      return logs.length >= expected.length ? logs : undefined;
    }, "Datadog logs");
    const logs = intake.requests.flatMap(
      (r) =>
        JSON.parse(r.body) as {
          message: string;
          ddsource: string;
          service: string;
          ddtags: string;
        }[],
    );
    for (const request of intake.requests) {
      expect(request.path).toBe("/api/v2/logs");
      expect(request.headers["dd-api-key"]).toBe("dd-key-1");
    }
    expect(logs.map((log) => JSON.parse(log.message).seq)).toEqual(expected);
    expect(logs[0]).toMatchObject({
      ddsource: "chronicle",
      service: "chronicle",
      ddtags: "env:test,team:security",
    });
  });

  it("when a stream has filters, then only matching events are delivered and the cursor moves past the rest", async () => {
    const { projectId, api } = await newProjectApi();
    const hook = await receiver(() => ({ status: 200 }));
    const created = await api("POST", "/v1/streams", {
      body: {
        name: "Acme issues by users",
        destination: { type: "webhook", url: hook.url },
        filters: { actions: ["issue.*"], workspace_id: "ws_acme", actor_types: ["user"] },
        batching: { linger_ms: 0 },
      },
    });
    await api("POST", "/v1/events/batch", {
      body: {
        events: [
          event(),
          event({ action: "project.renamed" }),
          event({ workspace_id: "ws_other" }),
          event({ actor: { type: "agent", id: "bot" } }),
          event({ action: "issue.closed" }),
        ],
      },
    });
    const all = await projectSeqs(projectId, created.json.cursor_seq);
    await waitFor(async () => {
      const stream = await api("GET", `/v1/streams/${created.json.id}`);
      return stream.json.cursor_seq >= (all.at(-1) as number) || undefined;
    }, "the cursor to pass every event");
    const batches = verifiedBatches(hook.requests, created.json.secret);
    expectDelivered(batches, [all[1] as number, all[5] as number]);
  });

  it("when a project's streams are idle, then the worker asks one statement per poll for all of them, and an append wakes every one", async () => {
    const { projectId, api } = await newProjectApi();
    const hook = await receiver(() => ({ status: 200 }));
    // This test's worker counts the statements it sends.
    await worker.stop();
    let statements = 0;
    const counting = new Proxy(ctx.store, {
      get(target, property) {
        if (property === "query") {
          return (...args: Parameters<typeof target.query>) => {
            statements += 1;
            return target.query(...args);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    // Its own root, so the server's appends are not announced to it: only the poll wakes its
    // streams (as another replica's appends would), never the recheck of a minute.
    worker = new StreamWorker(createStreamsContext(counting, streamsConfig), undefined, 60_000);
    worker.start();
    const ids = await webhookStreams(api, hook.url, 10, "idle");
    const first = (await api("POST", "/v1/events", { body: event() })).json.seq as number;
    await everyStreamDelivers(api, ids, first);

    const started = Date.now();
    statements = 0;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const polls = (Date.now() - started) / streamsConfig.pollMs;
    // Two per poll (leases, idle streams with work); one per stream per poll before.
    expect(statements).toBeLessThan(polls * 3);

    const second = (await api("POST", "/v1/events", { body: event() })).json.seq as number;
    await everyStreamDelivers(api, ids, second);
    expect(await projectSeqs(projectId, first)).toEqual([second]);
  });

  it("when an append is made in the worker's process, then its idle streams are woken by it, not by a poll", async () => {
    const { projectId, api } = await newProjectApi();
    const hook = await receiver(() => ({ status: 200 }));
    const ids = await webhookStreams(api, hook.url, 2, "woken");
    // No poll after the first (which takes both streams), no recheck and no lease expiry
    // within the test.
    await worker.stop();
    worker = new StreamWorker(
      createStreamsContext(ctx.store, { ...streamsConfig, pollMs: 60_000, leaseMs: 120_000 }),
      undefined,
      60_000,
    );
    worker.start();
    await waitFor(async () => {
      const rows = await ctx.store.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM streams WHERE project_id = $1 AND lease_owner = $2",
        [projectId, worker.owner],
      );
      return rows[0]?.n === 2 || undefined;
    }, "the worker to take both streams");
    await new Promise((resolve) => setTimeout(resolve, 200)); // both loops found nothing: idle
    const seq = (await api("POST", "/v1/events", { body: event() })).json.seq as number;
    await everyStreamDelivers(api, ids, seq);
  });

  it("when the destination keeps failing, then the stream pauses itself, records stream.paused, and resuming delivers from the cursor", async () => {
    const { projectId, api } = await newProjectApi();
    const hook = await receiver(() => ({ status: 500 }));
    const created = await api("POST", "/v1/streams", {
      body: {
        name: "Flaky",
        destination: { type: "webhook", url: hook.url },
        batching: { linger_ms: 0 },
      },
    });
    await api("POST", "/v1/events", { body: event() });
    const paused = await waitFor(async () => {
      const stream = await api("GET", `/v1/streams/${created.json.id}`);
      return stream.json.status === "paused" ? stream.json : undefined;
    }, "the stream to pause itself");
    expect(paused.paused_reason).toBe("delivery_failing");
    expect(paused.last_error).toContain("HTTP 500");
    const pausedEvents = await api("GET", "/v1/events?action=stream.paused");
    expect(pausedEvents.json.data).toHaveLength(1);
    expect(pausedEvents.json.data[0].actor).toMatchObject({ type: "system", id: "chronicle" });
    expect(pausedEvents.json.data[0].target.id).toBe(created.json.id);

    const attemptsWhilePaused = hook.requests.length;
    await api("POST", "/v1/events", { body: event({ summary: "while paused" }) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.requests.length).toBe(attemptsWhilePaused);

    hook.setBehaviour(() => ({ status: 200 }));
    const resumed = await api("PATCH", `/v1/streams/${created.json.id}`, {
      body: { status: "active" },
    });
    expect(resumed.json).toMatchObject({
      status: "active",
      paused_reason: null,
      failing_since: null,
    });
    const expected = await projectSeqs(projectId, created.json.cursor_seq);
    await waitFor(async () => {
      const stream = await api("GET", `/v1/streams/${created.json.id}`);
      return stream.json.cursor_seq >= (expected.at(-1) as number) || undefined;
    }, "delivery after resume");
    expectDelivered(verifiedBatches(hook.requests, created.json.secret), expected);
  });

  it("when the secret is rotated, then deliveries carry both signatures for the overlap; test events and replay work", async () => {
    const { projectId, api } = await newProjectApi();
    const hook = await receiver(() => ({ status: 200 }));
    const created = await api("POST", "/v1/streams", {
      body: {
        name: "Rotating",
        destination: { type: "webhook", url: hook.url },
        batching: { linger_ms: 0 },
      },
    });
    const test = await api("POST", `/v1/streams/${created.json.id}/test`);
    expect(test.status).toBe(200);
    expect(test.json).toMatchObject({ kind: "test", outcome: "delivered", status_code: 200 });
    const isTest = (r: { body: string }) => JSON.parse(r.body).type === "chronicle.stream.test";
    expect(hook.requests.filter(isTest)).toHaveLength(1);

    const settled = await waitFor(async () => {
      const [project] = await ctx.store.query<{ last_seq: number }>(
        "SELECT last_seq FROM projects WHERE project_id = $1",
        [projectId],
      );
      const last_seq = project?.last_seq ?? 0;
      const stream = await api("GET", `/v1/streams/${created.json.id}`);
      return stream.json.cursor_seq >= Number(last_seq) ? stream.json.cursor_seq : undefined;
    }, "the first deliveries");
    const fromIndex = hook.requests.length;
    const rotated = await api("POST", `/v1/streams/${created.json.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(created.json.secret);
    await api("POST", "/v1/events", { body: event() });
    const expected = await projectSeqs(projectId, settled);
    await waitFor(async () => {
      const stream = await api("GET", `/v1/streams/${created.json.id}`);
      return stream.json.cursor_seq >= (expected.at(-1) as number) || undefined;
    }, "delivery after rotation");
    const events = hook.requests.slice(fromIndex);
    expectDelivered(verifiedBatches(events, rotated.json.secret), expected);
    expectDelivered(verifiedBatches(events, created.json.secret), expected);

    const replay = await api("POST", `/v1/streams/${created.json.id}/replay`, {
      body: { from_seq: expected[0] },
    });
    expect(replay.json.cursor_seq).toBe((expected[0] as number) - 1);
    const before = hook.requests.length;
    await waitFor(() => (hook.requests.length > before ? true : undefined), "replayed delivery");
    const replayed = verifiedBatches(hook.requests.slice(before), rotated.json.secret);
    expect(replayed[0]?.seqs[0]).toBe(expected[0]);

    const other = await newProject(ctx.store, "Other");
    const foreign = client(ctx.server.base, other.key);
    expect((await foreign("GET", `/v1/streams/${created.json.id}`)).status).toBe(404);
    expect((await foreign("DELETE", `/v1/streams/${created.json.id}`)).status).toBe(404);
    expect((await api("DELETE", `/v1/streams/${created.json.id}`)).status).toBe(204);
    expect((await api("GET", `/v1/streams/${created.json.id}`)).status).toBe(404);
  });
});
