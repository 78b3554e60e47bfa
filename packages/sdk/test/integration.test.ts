// Every SDK method against the real reference server: in-process on PGlite by default, or
// the server at CHRONICLE_TEST_BASE_URL with the admin key CHRONICLE_TEST_API_KEY (a fresh
// project named "SDK integration", as scripts/prism-proxy.mjs creates). With
// CHRONICLE_TEST_VIA_PRISM=1 that server sits behind `prism proxy --errors`, and the tests
// that cannot pass a validating proxy are skipped (see `viaPrism` below).
import { newProject, setUp, startServer, type TestContext } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  Chronicle,
  ConflictError,
  type Event,
  type EventInput,
  InvalidCursorError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ValidationError,
} from "../src/index.js";

const external =
  process.env.CHRONICLE_TEST_BASE_URL && process.env.CHRONICLE_TEST_API_KEY
    ? { baseUrl: process.env.CHRONICLE_TEST_BASE_URL, apiKey: process.env.CHRONICLE_TEST_API_KEY }
    : undefined;
/** Tests that need the server's process (its store, its connections) run in-process only. */
const inProcess = external === undefined;
/**
 * Prism answers a request that breaks the contract itself (422, its own problem shape), and
 * buffers a proxied body before validating it, so an SSE stream never reaches the client.
 */
const viaPrism = external !== undefined && process.env.CHRONICLE_TEST_VIA_PRISM === "1";

let ctx: TestContext | undefined;
let baseUrl: string;
let chronicle: Chronicle;

const ada = { type: "user" as const, id: "usr_ada", name: "Ada", email: "ada@example.com" };

function issueEvent(n: number, overrides: Partial<EventInput> = {}): EventInput {
  return {
    action: n % 3 === 0 ? "issue.closed" : "issue.created",
    actor: ada,
    target: { type: "issue", id: `ISS-${n % 4}`, name: `Issue ${n % 4}` },
    workspace_id: n % 2 ? "ws_acme" : "ws_globex",
    summary: `Event ${n}`,
    metadata: { n },
    ...overrides,
  };
}

beforeAll(async () => {
  if (external) {
    baseUrl = external.baseUrl;
    chronicle = new Chronicle({ apiKey: external.apiKey, baseUrl });
    return;
  }
  ctx = await setUp("pglite", { heartbeatMs: 200 });
  baseUrl = ctx.server.base;
  const { key } = await newProject(ctx.store, "SDK integration");
  chronicle = new Chronicle({ apiKey: key, baseUrl });
});

afterAll(async () => {
  await ctx?.close();
});

describe("the SDK against the reference server", () => {
  it("health.get", async () => {
    const health = await chronicle.health.get();
    expect(health.status).toBe("ok");
    expect(health.api_versions).toContain("2026-11-01");
  });

  it("events.create, events.get and an idempotent retry", async () => {
    const created = await chronicle.events.create(issueEvent(1), { idempotencyKey: "create-1" });
    expect(created).toMatchObject({ action: "issue.created", actor: { id: "usr_ada" } });
    expect(created.hash).toMatch(/^[0-9a-f]{64}$/);
    const replayed = await chronicle.events.create(issueEvent(1), { idempotencyKey: "create-1" });
    expect(replayed.id).toBe(created.id);
    await expect(
      chronicle.events.create(issueEvent(2), { idempotencyKey: "create-1" }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await chronicle.events.get(created.id)).toEqual(created);
    const missing = await chronicle.events.get("evt_01JZZZZZZZZZZZZZZZZZZZZZZZ").catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.requestId).toMatch(/^req_/);
  });

  it("events.batch records every event, with consecutive seqs", async () => {
    const result = await chronicle.events.batch({
      events: Array.from({ length: 30 }, (_, n) => issueEvent(n + 2)),
    });
    expect(result.data).toHaveLength(30);
    const seqs = result.data.map((event) => event.seq);
    expect(seqs).toEqual(seqs.map((_, index) => (seqs[0] ?? 0) + index));
  });

  // The body breaks the contract on purpose: Prism would answer it, not the server.
  it.skipIf(viaPrism)("events.batch validation errors carry pointers", async () => {
    const failure = await chronicle.events
      .batch({ events: [issueEvent(1), { ...issueEvent(2), action: "Not An Action" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).problem?.errors?.[0]?.pointer).toMatch(/^\/events\/1\//);
  });

  it("events.list: awaited, iterated, paged, filtered, both directions", async () => {
    const page = await chronicle.events.list({ limit: 5 });
    expect(page.data).toHaveLength(5);
    expect(page.has_more).toBe(true);
    const all = await chronicle.events.list({ limit: 7 }).toArray({ max: 1000 });
    expect(all).toHaveLength(31);
    expect(all.map((event) => event.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => b - a));

    const closed: Event[] = [];
    for await (const event of chronicle.events.list({ action: "issue.closed", order: "asc" })) {
      closed.push(event);
    }
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((event) => event.action === "issue.closed")).toBe(true);

    let pages = 0;
    for await (const listed of chronicle.events.list({ action: "issue.*", limit: 10 }).pages()) {
      pages++;
      expect(listed.data.length).toBeLessThanOrEqual(10);
    }
    expect(pages).toBe(4);

    const first = await chronicle.events.list({ order: "asc", limit: 10 });
    const second = await chronicle.events.list({
      order: "asc",
      limit: 10,
      cursor: first.next_cursor ?? "",
    });
    const backward = await chronicle.events
      .list({ order: "asc", limit: 4, cursor: second.next_cursor ?? "" })
      .backward()
      .toArray({ max: 100 });
    expect(backward.map((event) => event.seq)).toEqual(
      all.filter((event) => event.seq <= 24).map((event) => event.seq),
    );
    await expect(chronicle.events.list({ cursor: "tampered" })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it("targets.list and workspaces.events", async () => {
    const history = await chronicle.targets.list("issue", "ISS-1").toArray({ max: 100 });
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((event) => event.target?.id === "ISS-1")).toBe(true);
    const feed = await chronicle.workspaces.events("ws_acme", { limit: 3 }).toArray({ max: 100 });
    expect(feed.length).toBeGreaterThan(3);
    expect(feed.every((event) => event.workspace_id === "ws_acme")).toBe(true);
  });

  it("events.export as NDJSON verifies offline; as CSV gives rows", async () => {
    const exported: Event[] = [];
    for await (const event of chronicle.events.export({ format: "ndjson" })) exported.push(event);
    expect(exported.length).toBeGreaterThanOrEqual(31);
    expect(await chronicle.integrity.verifyChain(exported)).toMatchObject({
      valid: true,
      checked: exported.length,
    });
    // A stream verifies in constant memory, straight from the export.
    expect(
      (await chronicle.integrity.verifyChain(chronicle.events.export({ format: "ndjson" }))).valid,
    ).toBe(true);

    const rows: Record<string, string>[] = [];
    for await (const row of chronicle.events.export({ format: "csv", workspace_id: "ws_acme" })) {
      rows.push(row);
    }
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.workspace_id === "ws_acme")).toBe(true);
    expect(rows[0]?.id).toMatch(/^evt_/);
  });

  it("integrity.verify and verifyChain over a list iteration", async () => {
    const report = await chronicle.integrity.verify();
    expect(report).toMatchObject({ valid: true, first_invalid_seq: null });
    expect(report.checked).toBeGreaterThan(30);
    const offline = await chronicle.integrity.verifyChain(chronicle.events.list({ limit: 9 }));
    expect(offline.valid).toBe(true);
  });

  it.skipIf(viaPrism)(
    "events.tail yields new events live, and resumes after a Last-Event-ID",
    async () => {
      const controller = new AbortController();
      const received: Event[] = [];
      const tail = (async () => {
        for await (const event of chronicle.events.tail(
          { action: "deploy.*" },
          { signal: controller.signal },
        )) {
          received.push(event);
          if (received.length === 3) break;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let n = 0; n < 3; n++) {
        await chronicle.events.create({ action: "deploy.finished", actor: ada, metadata: { n } });
        await chronicle.events.create({ action: "issue.created", actor: ada });
      }
      await tail;
      expect(received.map((event) => event.metadata.n)).toEqual([0, 1, 2]);

      const firstSeq = received[0]?.seq ?? 0;
      const resumed: number[] = [];
      for await (const event of chronicle.events.tail(
        { action: "deploy.*" },
        { lastEventId: firstSeq },
      )) {
        resumed.push(event.seq);
        if (resumed.length === 2) break;
      }
      expect(resumed).toEqual(received.slice(1).map((event) => event.seq));
    },
  );

  it.skipIf(!inProcess)(
    "events.tail survives the server dropping every connection, without duplicates",
    async () => {
      const received: Event[] = [];
      let dropped = false;
      const tail = (async () => {
        for await (const event of chronicle.events.tail({ action: "build.*" })) {
          received.push(event);
          if (received.length === 2 && !dropped) {
            dropped = true;
            ctx?.server.http.closeAllConnections();
          }
          if (received.length === 6) break;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let n = 0; n < 6; n++) {
        await chronicle.events.create({ action: "build.finished", actor: ada, metadata: { n } });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await tail;
      expect(dropped).toBe(true);
      expect(received.map((event) => event.metadata.n)).toEqual([0, 1, 2, 3, 4, 5]);
    },
    30_000,
  );

  it.skipIf(!inProcess)("rate limits surface as RateLimitError with Retry-After", async () => {
    const local = ctx?.store;
    if (!local) throw new Error("the in-process store is missing");
    const limited = await startServer(local, { rateLimitPerMinute: 2 });
    try {
      const { key } = await newProject(local, "Rate limited");
      const client = new Chronicle({
        apiKey: key,
        baseUrl: limited.base,
        maxRetries: 0,
      });
      await client.project.get();
      await client.project.get();
      const failure = await client.project.get().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RateLimitError);
      expect((failure as RateLimitError).retryAfterMs).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it("events.logger sends every event in batches", async () => {
    const before = (await chronicle.events.list({ action: "metric.recorded", include_total: true }))
      .total;
    const logger = chronicle.events.logger({ maxBatch: 25, flushIntervalMs: 50 });
    for (let n = 0; n < 110; n++) {
      await logger.log({ action: "metric.recorded", actor: { type: "system", id: "cron" } });
    }
    await logger.close();
    const after = await chronicle.events.list({ action: "metric.recorded", include_total: true });
    expect((after.total ?? 0) - (before ?? 0)).toBe(110);
  });

  it("actions.define and actions.list; a defined schema is enforced", async () => {
    const defined = await chronicle.actions.define("invoice.paid", {
      description: "An invoice was paid",
      metadata_schema: {
        type: "object",
        required: ["amount"],
        properties: { amount: { type: "number" } },
      },
    });
    expect(defined.action).toBe("invoice.paid");
    await expect(
      chronicle.events.create({ action: "invoice.paid", actor: ada, metadata: { amount: "x" } }),
    ).rejects.toBeInstanceOf(ValidationError);
    await chronicle.events.create({ action: "invoice.paid", actor: ada, metadata: { amount: 5 } });
    const actions = await chronicle.actions.list().toArray({ max: 100 });
    expect(actions.find((action) => action.action === "invoice.paid")).toMatchObject({
      description: "An invoice was paid",
    });
    expect(actions.find((action) => action.action === "issue.created")).toBeDefined();
  });

  it("project.get and project.update", async () => {
    const project = await chronicle.project.get();
    expect(project.name).toBe("SDK integration");
    const updated = await chronicle.project.update({ name: "Renamed", retention_days: 90 });
    expect(updated).toMatchObject({ name: "Renamed", retention_days: 90 });
    expect((await chronicle.project.get()).name).toBe("Renamed");
  });

  it("apiKeys.create, list and revoke; scopes and revocation are enforced", async () => {
    const created = await chronicle.apiKeys.create({ name: "reader", scopes: ["activity:read"] });
    expect(created.key).toBeTruthy();
    const reader = new Chronicle({ apiKey: created.key, baseUrl });
    expect((await reader.events.list({ limit: 1 })).data).toHaveLength(1);
    await expect(reader.events.create(issueEvent(1))).rejects.toBeInstanceOf(PermissionDeniedError);
    const keys = await chronicle.apiKeys.list().toArray({ max: 100 });
    expect(keys.map((key) => key.id)).toContain(created.id);
    const revoked = await chronicle.apiKeys.revoke(created.id);
    expect(revoked.id).toBe(created.id);
    await expect(reader.events.list()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("apiKeys.update sets a key's own rate limit; apiKeys.rotate gives a new secret with an overlap", async () => {
    const created = await chronicle.apiKeys.create({
      name: "rotated",
      scopes: ["activity:read"],
      workspace_id: "ws_globex",
    });
    expect(created).toMatchObject({ workspace_id: "ws_globex", rate_limit_per_minute: null });
    const updated = await chronicle.apiKeys.update(created.id, { rate_limit_per_minute: 120 });
    expect(updated).toMatchObject({ id: created.id, rate_limit_per_minute: 120 });
    const rotated = await chronicle.apiKeys.rotate(created.id, { overlap_seconds: 600 });
    expect(rotated.key).not.toBe(created.key);
    expect(Date.parse(rotated.previous_key_expires_at as string)).toBeGreaterThan(Date.now());
    for (const secret of [created.key, rotated.key]) {
      const reader = new Chronicle({ apiKey: secret, baseUrl });
      const page = await reader.events.list({ limit: 5 });
      expect(page.data.every((event) => event.workspace_id === "ws_globex")).toBe(true);
    }
    await chronicle.apiKeys.rotate(created.id, { overlap_seconds: 0 });
    await expect(
      new Chronicle({ apiKey: rotated.key, baseUrl, maxRetries: 0 }).events.list(),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("viewerTokens.create gives a workspace-pinned read-only client", async () => {
    const before = Date.now();
    const token = await chronicle.viewerTokens.create({ workspace_id: "ws_globex" });
    expect(token.token).toMatch(/^chv_/);
    // ttl_seconds is optional and defaults to 3600 (one hour).
    const ttl = Date.parse(token.expires_at) - before;
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThan(3610_000);
    const viewer = new Chronicle({ apiKey: token.token, baseUrl });
    const feed = await viewer.workspaces.events("ws_globex").toArray({ max: 100 });
    expect(feed.length).toBeGreaterThan(0);
    expect(feed.every((event) => event.workspace_id === "ws_globex")).toBe(true);
    await expect(viewer.workspaces.events("ws_acme")).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(viewer.project.get()).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it("raw is the typed client on the same connection settings", async () => {
    const { data, response } = await chronicle.raw.GET("/v1/events", {
      params: { query: { limit: 2, order: "asc" } },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("chronicle-version")).toBe("2026-11-01");
    expect(data?.data.map((event) => event.seq)).toEqual([1, 2]);
  });
});
