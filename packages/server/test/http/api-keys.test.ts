import {
  event as anyEvent,
  awayFromMinuteEdge,
  newProject,
  STORE_KINDS,
  setUp,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Chronicle, type Event, type EventInput } from "../../../sdk/src/index.js";

const event = (overrides: Record<string, unknown>) => anyEvent(overrides) as EventInput;

/**
 * Keys beyond create and revoke, through the SDK against the real server: a rate limit of
 * the key's own within the operator's maximum, rotation with an overlap, workspace read
 * keys with a viewer token's isolation, and HTTP Basic beside Bearer.
 */
describe.each(STORE_KINDS)("API keys: limits, rotation, workspace pins, Basic (%s)", (kind) => {
  const MAX = 50;
  let ctx: TestContext;
  let admin: Chronicle;
  let base: string;
  let adminKey: string;

  const sdk = (apiKey: string) => new Chronicle({ apiKey, baseUrl: base, maxRetries: 0 });
  const get = (path: string, authorization: string) =>
    fetch(`${base}${path}`, { headers: { Authorization: authorization } }).then(async (r) => ({
      status: r.status,
      headers: r.headers,
      json: (await r.json()) as Record<string, unknown> & { data?: Event[] },
    }));
  const bearer = (key: string) => `Bearer ${key}`;
  const basic = (userAndPassword: string) =>
    `Basic ${Buffer.from(userAndPassword, "utf8").toString("base64")}`;

  beforeAll(async () => {
    ctx = await setUp(kind, { rateLimitPerMinute: 1_000, maxKeyRateLimitPerMinute: MAX });
    base = ctx.server.base;
    adminKey = (await newProject(ctx.store, "Keys")).key;
    admin = sdk(adminKey);
    await admin.events.batch({
      events: [
        event({ workspace_id: "ws_a", summary: "a1" }),
        event({ workspace_id: "ws_b", summary: "b1" }),
        event({ workspace_id: "ws_a", summary: "a2", target: { type: "issue", id: "ISS-2" } }),
        event({ workspace_id: "ws_b", summary: "b2", target: { type: "issue", id: "ISS-2" } }),
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
  });

  /** The statuses of five reads in a row, each answered with this RateLimit-Limit. */
  async function fiveReads(key: string, limit: string): Promise<number[]> {
    const statuses = [];
    for (let n = 0; n < 5; n++) {
      const answer = await get("/v1/events?limit=1", bearer(key));
      statuses.push(answer.status);
      expect(answer.headers.get("ratelimit-limit")).toBe(limit);
    }
    return statuses;
  }

  async function recorded(action: string, keyId: string) {
    const page = await admin.events.list({ action, limit: 100 });
    return page.data.filter((e) => e.target?.id === keyId);
  }

  it("when a key has a rate limit of its own, then it is held to it, within the operator's maximum, and the change is recorded", async () => {
    const key = await admin.apiKeys.create({
      name: "limited",
      scopes: ["activity:read"],
      rate_limit_per_minute: 3,
    });
    expect(key.rate_limit_per_minute).toBe(3);
    const statuses = await fiveReads(key.key, "3");
    expect(statuses).toEqual([200, 200, 200, 429, 429]);

    await expect(
      admin.apiKeys.create({
        name: "greedy",
        scopes: ["activity:read"],
        rate_limit_per_minute: MAX + 1,
      }),
    ).rejects.toMatchObject({ status: 422, code: "validation_failed" });
    await expect(
      admin.apiKeys.update(key.id, { rate_limit_per_minute: MAX + 1 }),
    ).rejects.toMatchObject({
      status: 422,
    });

    const raised = await admin.apiKeys.update(key.id, { rate_limit_per_minute: MAX });
    expect(raised.rate_limit_per_minute).toBe(MAX);
    // The new limit applies at once (the window's count so far included).
    const back = await admin.apiKeys.update(key.id, {
      rate_limit_per_minute: null,
      name: "default",
    });
    expect(back).toMatchObject({ rate_limit_per_minute: null, name: "default" });
    const [latest] = await recorded("api_key.updated", key.id);
    expect(latest?.changes).toEqual({
      before: { name: "limited", rate_limit_per_minute: MAX },
      after: { name: "default", rate_limit_per_minute: null },
    });
    const created = await recorded("api_key.created", key.id);
    expect(created[0]?.metadata).toMatchObject({ rate_limit_per_minute: 3, workspace_id: null });
  });

  it("when a key's rate limit is lowered within a window, then the units already reserved under the old one do not carry it past the new one", async () => {
    // One fixed window for the whole test: not within its last seconds.
    await awayFromMinuteEdge();
    const key = await admin.apiKeys.create({ name: "lowered", scopes: ["activity:read"] });
    // The first request reserves a lease of the server's default (1000 a minute: 50 units).
    expect((await get("/v1/events?limit=1", bearer(key.key))).status).toBe(200);
    await admin.apiKeys.update(key.id, { rate_limit_per_minute: 3 });
    const statuses = await fiveReads(key.key, "3");
    // Three in the window in all: the one before the change and two after it.
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
  }, 90_000);

  it("when a key is rotated, then the new secret works, the old one works for the overlap only, and the rotation is recorded", async () => {
    const key = await admin.apiKeys.create({ name: "rotating", scopes: ["activity:read"] });
    expect((await get("/v1/events?limit=1", bearer(key.key))).status).toBe(200);
    const rotated = await admin.apiKeys.rotate(key.id, { overlap_seconds: 2 });
    expect(rotated.id).toBe(key.id);
    expect(rotated.key).not.toBe(key.key);
    expect(rotated.prefix).toBe(rotated.key.slice(0, 8));
    const overlapEnds = Date.parse(rotated.previous_key_expires_at as string);
    expect(overlapEnds - Date.now()).toBeGreaterThan(0);
    expect(overlapEnds - Date.now()).toBeLessThanOrEqual(3_000);
    expect((await get("/v1/events?limit=1", bearer(rotated.key))).status).toBe(200);
    expect((await get("/v1/events?limit=1", bearer(key.key))).status).toBe(200);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, overlapEnds - Date.now()) + 300),
    );
    expect((await get("/v1/events?limit=1", bearer(key.key))).status).toBe(401);
    expect((await get("/v1/events?limit=1", bearer(rotated.key))).status).toBe(200);
    const listed = (await admin.apiKeys.list()).data.find((k) => k.id === key.id);
    expect(listed?.previous_key_expires_at).toBeNull();
    const [event] = await recorded("api_key.rotated", key.id);
    expect(event?.metadata).toMatchObject({
      prefix: rotated.prefix,
      previous_prefix: key.prefix,
      overlap_seconds: 2,
    });

    // Without an overlap the old secret stops at once; a second rotation ends the first's.
    const again = await admin.apiKeys.rotate(key.id, { overlap_seconds: 0 });
    expect((await get("/v1/events?limit=1", bearer(rotated.key))).status).toBe(401);
    const third = await admin.apiKeys.rotate(key.id);
    expect(Date.parse(third.previous_key_expires_at as string) - Date.now()).toBeGreaterThan(
      86_000_000,
    );
    expect((await get("/v1/events?limit=1", bearer(again.key))).status).toBe(200);
    await admin.apiKeys.rotate(key.id, { overlap_seconds: 600 });
    expect((await get("/v1/events?limit=1", bearer(again.key))).status).toBe(401);

    await admin.apiKeys.revoke(key.id);
    await expect(admin.apiKeys.rotate(key.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      admin.apiKeys.rotate(key.id, { overlap_seconds: 8 * 86_400 }),
    ).rejects.toMatchObject({
      status: 422,
    });
    await expect(admin.apiKeys.rotate(key.id, { overlap_seconds: -1 })).rejects.toMatchObject({
      status: 422,
    });
  });

  it("when a key is pinned to a workspace, then it reads that workspace only, wherever it asks", async () => {
    await expect(
      admin.apiKeys.create({
        name: "pinned writer",
        scopes: ["activity:write"],
        workspace_id: "ws_a",
      }),
    ).rejects.toMatchObject({ status: 422 });
    const pinned = await admin.apiKeys.create({
      name: "ws_a integration",
      scopes: ["activity:read", "activity:export"],
      workspace_id: "ws_a",
    });
    expect(pinned.workspace_id).toBe("ws_a");
    const reader = sdk(pinned.key);
    const auth = bearer(pinned.key);

    const summaries = (events: Event[] | undefined) => (events ?? []).map((e) => e.summary).sort();
    expect(summaries((await reader.events.list({ limit: 100 })).data)).toEqual(["a1", "a2"]);
    expect(summaries((await get("/v1/targets/issue/ISS-2/events", auth)).json.data)).toEqual([
      "a2",
    ]);
    expect(summaries((await get("/v1/workspaces/ws_a/events", auth)).json.data)).toEqual([
      "a1",
      "a2",
    ]);

    const all = await admin.events.list({ workspace_id: "ws_b", limit: 1 });
    const other = all.data[0] as Event;
    for (const path of [
      "/v1/events?workspace_id=ws_b",
      "/v1/workspaces/ws_b/events",
      "/v1/targets/issue/ISS-2/events?workspace_id=ws_b",
      "/v1/events/export?format=ndjson&workspace_id=ws_b",
      "/v1/api-keys",
      "/v1/project",
      "/v1/actions",
      "/v1/integrity",
    ]) {
      const answer = await get(path, auth);
      expect(answer.status, path).toBe(403);
      expect(answer.json.code, path).toBe("forbidden");
    }
    // The query language cannot widen the pin: whatever q asks, only ws_a comes back.
    for (const q of [
      "workspace:ws_b",
      "workspace:ws_a OR workspace:ws_b",
      "-workspace:ws_a",
      "b1",
    ]) {
      const answer = await get(`/v1/events?limit=100&q=${encodeURIComponent(q)}`, auth);
      expect([200, 403], q).toContain(answer.status);
      for (const found of answer.json.data ?? []) expect(found.workspace_id, q).toBe("ws_a");
    }
    const targetQ = await get(
      `/v1/targets/issue/ISS-2/events?q=${encodeURIComponent("workspace:ws_b")}`,
      auth,
    );
    for (const found of targetQ.json.data ?? []) expect(found.workspace_id).toBe("ws_a");
    expect((await get(`/v1/events/${other.id}`, auth)).status).toBe(404);
    expect((await get(`/v1/integrity/proofs/inclusion?seq=${other.seq}`, auth)).status).toBe(404);
    await expect(reader.viewerTokens.create({ workspace_id: "ws_a" })).rejects.toMatchObject({
      status: 403,
    });
    await expect(reader.events.create(event({ workspace_id: "ws_a" }))).rejects.toMatchObject({
      status: 403,
    });

    const exported = await fetch(`${base}/v1/events/export?format=ndjson`, {
      headers: { Authorization: auth },
    });
    expect(exported.status).toBe(200);
    const lines = (await exported.text())
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(new Set(lines.map((line) => line.workspace_id))).toEqual(new Set(["ws_a"]));
  });

  it("when the key is sent over HTTP Basic as the user name, then it works; any other Basic header is a clear 401", async () => {
    const ok = await get("/v1/events?limit=1", basic(`${adminKey}:`));
    expect(ok.status).toBe(200);
    for (const [authorization, detail] of [
      [basic(`${adminKey}:secret`), /password must be empty/],
      [basic(adminKey), /colon/],
      [basic(":"), /user name must be the key/],
      ["Basic !!!notbase64", /base64/],
      ["Basic Y2hy", /colon/],
      [basic("chr_unknown:"), /Unknown, revoked or expired/],
      ["Digest username=x", /Bearer <key> or Basic/],
    ] as const) {
      const answer = await get("/v1/events?limit=1", authorization);
      expect(answer.status, authorization).toBe(401);
      expect(answer.json.code).toBe("unauthorized");
      expect(answer.json.detail).toMatch(detail);
    }
  });
});
