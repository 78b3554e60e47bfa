import { beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  Chronicle,
  ConflictError,
  type Event,
  type EventInput,
  InvalidCursorError,
  NotFoundError,
  PermissionDeniedError,
} from "../../packages/sdk/src/index.js";

/**
 * Every SDK method whose traffic Prism can check, sent through `prism proxy --errors` in
 * front of the reference server (scripts/prism-proxy.mjs sets the environment). Prism
 * rejects any request that breaks the contract (422) and any response that does (500), so
 * a contract violation on either side fails these tests. Every request here is valid: the
 * error cases are errors the server answers (404, 409, 400 invalid_cursor, 401, 403).
 * The live tail is left out: Prism buffers a proxied body, and an SSE stream never ends.
 */

const baseUrl = process.env.CHRONICLE_TEST_BASE_URL;
const apiKey = process.env.CHRONICLE_TEST_API_KEY;

const ada = { type: "user" as const, id: "usr_ada", name: "Ada", email: "ada@example.com" };

function issueEvent(n: number): EventInput {
  return {
    action: n % 3 === 0 ? "issue.closed" : "issue.created",
    actor: ada,
    target: { type: "issue", id: `ISS-${n % 4}`, name: `Issue ${n % 4}` },
    workspace_id: n % 2 ? "ws_acme" : "ws_globex",
    summary: `Event ${n}`,
    metadata: { n },
    changes: { before: { status: "open" }, after: { status: n % 2 ? "open" : "closed" } },
  };
}

describe.skipIf(!baseUrl || !apiKey)("the SDK through Prism's validating proxy", () => {
  let chronicle: Chronicle;
  beforeAll(() => {
    chronicle = new Chronicle({
      apiKey: apiKey as string,
      baseUrl: baseUrl as string,
      maxRetries: 0,
    });
  });

  it("health, create (with replay and conflict), get, batch", async () => {
    expect((await chronicle.health.get()).status).toBe("ok");
    const created = await chronicle.events.create(issueEvent(1), { idempotencyKey: "prism-1" });
    const replayed = await chronicle.events.create(issueEvent(1), { idempotencyKey: "prism-1" });
    expect(replayed.id).toBe(created.id);
    await expect(
      chronicle.events.create(issueEvent(2), { idempotencyKey: "prism-1" }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await chronicle.events.get(created.id)).toEqual(created);
    await expect(chronicle.events.get("evt_01JZZZZZZZZZZZZZZZZZZZZZZZ")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const batch = await chronicle.events.batch({
      events: Array.from({ length: 20 }, (_, n) => issueEvent(n + 2)),
    });
    expect(batch.data).toHaveLength(20);
  });

  it("list: awaited, iterated, paged, both directions, filtered; a bad cursor", async () => {
    const page = await chronicle.events.list({ limit: 5, include_total: true });
    expect(page.data).toHaveLength(5);
    const all = await chronicle.events.list({ limit: 7 }).toArray({ max: 1000 });
    expect(all.length).toBe(page.total);
    let pages = 0;
    for await (const listed of chronicle.events.list({ action: ["issue.*"], limit: 6 }).pages()) {
      pages++;
      expect(listed.data.length).toBeLessThanOrEqual(6);
    }
    expect(pages).toBeGreaterThan(1);
    const first = await chronicle.events.list({ order: "asc", limit: 4 });
    const back = await chronicle.events
      .list({ order: "asc", limit: 4, cursor: first.next_cursor ?? "" })
      .backward()
      .toArray({ max: 100 });
    // From the cursor's page back to the start, in the direction of travel.
    expect(back.slice(-4).map((e) => e.seq)).toEqual(first.data.map((e) => e.seq).reverse());
    const filtered = await chronicle.events
      .list({
        actor_type: "user",
        changed_field: "status",
        start_time: "2000-01-01T00:00:00Z",
        search: "event",
      })
      .toArray({ max: 100 });
    expect(filtered.every((e) => e.changed_fields.includes("status"))).toBe(true);
    await expect(chronicle.events.list({ cursor: "tampered" })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it("target and workspace feeds, export as NDJSON (verified offline) and CSV", async () => {
    const history = await chronicle.targets.list("issue", "ISS-1").toArray({ max: 100 });
    expect(history.every((e) => e.target?.id === "ISS-1")).toBe(true);
    const feed = await chronicle.workspaces.events("ws_acme", { limit: 3 }).toArray({ max: 100 });
    expect(feed.every((e) => e.workspace_id === "ws_acme")).toBe(true);
    const exported: Event[] = [];
    for await (const event of chronicle.events.export({ format: "ndjson" })) exported.push(event);
    expect((await chronicle.integrity.verifyChain(exported)).valid).toBe(true);
    const rows: Record<string, string>[] = [];
    for await (const row of chronicle.events.export({ format: "csv", workspace_id: "ws_acme" })) {
      rows.push(row);
    }
    expect(rows.length).toBeGreaterThan(0);
  });

  it("integrity, actions, project, logger, raw", async () => {
    expect((await chronicle.integrity.verify({ from_seq: 1 })).valid).toBe(true);
    await chronicle.actions.define("invoice.paid", {
      description: "An invoice was paid",
      metadata_schema: { type: "object", required: ["amount"] },
    });
    const actions = await chronicle.actions.list().toArray({ max: 100 });
    expect(actions.map((a) => a.action)).toContain("invoice.paid");
    expect((await chronicle.project.update({ retention_days: 30 })).retention_days).toBe(30);
    expect((await chronicle.project.get()).counts.events).toBeGreaterThan(0);
    const logger = chronicle.events.logger({ maxBatch: 10, flushIntervalMs: 20 });
    for (let n = 0; n < 25; n++) {
      await logger.log({ action: "metric.recorded", actor: { type: "system", id: "cron" } });
    }
    await logger.close();
    const { response } = await chronicle.raw.GET("/v1/events", {
      params: { query: { limit: 2, order: "asc" } },
    });
    expect(response.status).toBe(200);
  });

  it("API keys and viewer tokens, with their permission errors", async () => {
    const reader = await chronicle.apiKeys.create({ name: "reader", scopes: ["activity:read"] });
    const readerClient = new Chronicle({ apiKey: reader.key, baseUrl: baseUrl as string });
    await expect(readerClient.events.create(issueEvent(1))).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    const keys = await chronicle.apiKeys.list().toArray({ max: 100 });
    expect(keys.map((k) => k.id)).toContain(reader.id);
    await chronicle.apiKeys.revoke(reader.id);
    await expect(readerClient.events.list()).rejects.toBeInstanceOf(AuthenticationError);

    const token = await chronicle.viewerTokens.create({
      workspace_id: "ws_globex",
      ttl_seconds: 600,
    });
    const viewer = new Chronicle({ apiKey: token.token, baseUrl: baseUrl as string });
    const feed = await viewer.workspaces.events("ws_globex").toArray({ max: 100 });
    expect(feed.every((e) => e.workspace_id === "ws_globex")).toBe(true);
    await expect(viewer.project.get()).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
