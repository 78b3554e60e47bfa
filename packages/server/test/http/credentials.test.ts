import {
  awayFromMinuteEdge,
  client,
  event,
  newProject,
  STORE_KINDS,
  setUp,
  startServer,
  type TestContext,
  type TestServer,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { cacheInvalidation } from "../../src/services/system/cache-invalidation.js";
import type { Store } from "../../src/store/index.js";
import { openStream } from "./sse-client.js";

const ABUSE = loadConfig({}).abuse;
/** Revocation must end a stream within 5 s; the check runs every 200 ms here. */
const END_WITHIN_MS = 5_000;
/**
 * Batches of 500 events of ~8 KB: ~17 MB, well over what the socket buffers and the client
 * hold before the server must wait (4–5 MB measured; a loaded machine let a CSV of 8.6 MB
 * through whole).
 */
const EXPORT_ROUNDS = 4;

async function createKey(base: string, adminKey: string, scopes: string[]) {
  const created = await client(base, adminKey)("POST", "/v1/api-keys", {
    body: { name: `key ${scopes.join(" ")}`, scopes },
  });
  expect(created.status).toBe(201);
  return created.json as { id: string; key: string };
}

async function createViewerToken(base: string, key: string, body: Record<string, unknown>) {
  const created = await client(base, key)("POST", "/v1/viewer-tokens", { body });
  expect(created.status).toBe(201);
  return created.json as { id: string; token: string; expires_at: string };
}

/** Reads a response body to its end, or as far as it goes before the connection fails. */
async function readAll(response: Response): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
    }
  } catch {
    // the connection dropped: what arrived is returned
  }
  return text;
}

describe.each(STORE_KINDS)("credentials checked while in use (%s)", (kind) => {
  let ctx: TestContext;
  let admin: string;

  beforeAll(async () => {
    ctx = await setUp(kind, {
      heartbeatMs: 300,
      abuse: { ...ABUSE, credentialCheckMs: 200, maxStreamsPerCredential: 2 },
    });
    admin = (await newProject(ctx.store)).key;
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when a viewer token is created, then it has an id; revoking it refuses it and is recorded", async () => {
    const base = ctx.server.base;
    const token = await createViewerToken(base, admin, { workspace_id: "ws_acme" });
    expect(token.id).toMatch(/^vtk_[0-9A-HJKMNP-TV-Z]{26}$/);
    const viewer = client(base, token.token);
    expect((await viewer("GET", "/v1/events")).status).toBe(200);

    const reader = await createKey(base, admin, ["activity:read"]);
    const forbidden = await client(base, reader.key)("DELETE", `/v1/viewer-tokens/${token.id}`);
    expect(forbidden.status).toBe(403);

    const revoked = await client(base, admin)("DELETE", `/v1/viewer-tokens/${token.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: token.id, workspace_id: "ws_acme" });
    expect(revoked.json.revoked_at).not.toBeNull();
    const again = await client(base, admin)("DELETE", `/v1/viewer-tokens/${token.id}`);
    expect(again.json).toEqual(revoked.json);
    expect((await viewer("GET", "/v1/events")).status).toBe(401);

    const recorded = await client(base, admin)("GET", "/v1/events?action=viewer_token.revoked");
    expect(recorded.json.data).toHaveLength(1);
    expect(recorded.json.data[0].target).toEqual({
      type: "viewer_token",
      id: token.id,
      name: null,
    });

    const missing = await client(base, admin)(
      "DELETE",
      "/v1/viewer-tokens/vtk_01KMX4P7Q8R9S0T1V2W3X4Y5Z6",
    );
    expect(missing.status).toBe(404);
    const malformed = await client(base, admin)("DELETE", "/v1/viewer-tokens/not-an-id");
    expect(malformed.status).toBe(400);
    // Another project's admin cannot revoke it (404, as for a missing id).
    const other = (await newProject(ctx.store, "Other")).key;
    const live = await createViewerToken(base, admin, { workspace_id: "ws_acme" });
    expect((await client(base, other)("DELETE", `/v1/viewer-tokens/${live.id}`)).status).toBe(404);
    expect((await client(base, live.token)("GET", "/v1/events")).status).toBe(200);
  });

  it("when the key that minted a viewer token is revoked, then the token is refused", async () => {
    const base = ctx.server.base;
    const minter = await createKey(base, admin, ["activity:read"]);
    const token = await createViewerToken(base, minter.key, { workspace_id: "ws_acme" });
    expect((await client(base, token.token)("GET", "/v1/events")).status).toBe(200);
    expect((await client(base, admin)("DELETE", `/v1/api-keys/${minter.id}`)).status).toBe(200);
    expect((await client(base, token.token)("GET", "/v1/events")).status).toBe(401);
  });

  it("when the key that minted viewer tokens is rotated, then they stop with the secret that minted them; those of the new secret go on", async () => {
    const base = ctx.server.base;
    const minter = await createKey(base, admin, ["activity:read"]);
    const mintedBefore = await createViewerToken(base, minter.key, { workspace_id: "ws_acme" });
    const rotate = (overlap: number) =>
      client(base, admin)("POST", `/v1/api-keys/${minter.id}/rotate`, {
        body: { overlap_seconds: overlap },
      });
    const status = async (token: string) => (await client(base, token)("GET", "/v1/events")).status;
    expect(await status(mintedBefore.token)).toBe(200);

    // In the overlap the old secret, and the tokens it minted, still work.
    const first = await rotate(3600);
    expect(first.status, first.text).toBe(200);
    expect(await status(mintedBefore.token)).toBe(200);
    const mintedAfter = await createViewerToken(base, first.json.key, { workspace_id: "ws_acme" });
    const mintedInOverlap = await createViewerToken(base, minter.key, { workspace_id: "ws_acme" });

    // Rotated again at once (a leaked key): the first secret is gone, and its tokens with it.
    const second = await rotate(0);
    expect(second.status, second.text).toBe(200);
    expect(await status(mintedBefore.token)).toBe(401);
    expect(await status(mintedInOverlap.token)).toBe(401);
    // The tokens of the secret just replaced live as long as its overlap (none here).
    expect(await status(mintedAfter.token)).toBe(401);
    const mintedLast = await createViewerToken(base, second.json.key, { workspace_id: "ws_acme" });
    expect(await status(mintedLast.token)).toBe(200);
  });

  it("when a key with a request limit mints a viewer token, then the token is held to that limit", async () => {
    await awayFromMinuteEdge();
    const base = ctx.server.base;
    const created = await client(base, admin)("POST", "/v1/api-keys", {
      body: { name: "slow key", scopes: ["activity:read"], rate_limit_per_minute: 3 },
    });
    expect(created.status, created.text).toBe(201);
    const token = await createViewerToken(base, created.json.key, { workspace_id: "ws_acme" });
    const statuses: number[] = [];
    for (let n = 0; n < 4; n++) {
      statuses.push((await client(base, token.token)("GET", "/v1/events")).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it("when a key is revoked while its tail is open, then the tail ends with credential_revoked", async () => {
    const base = ctx.server.base;
    const reader = await createKey(base, admin, ["activity:read"]);
    const tail = await openStream(`${base}/v1/events/stream`, {
      Authorization: `Bearer ${reader.key}`,
    });
    expect(tail.response.status).toBe(200);
    await client(base, admin)("POST", "/v1/events", { body: event({ summary: "seen" }) });
    await tail.until(() => tail.messages.length === 1);

    const revokedAt = Date.now();
    await client(base, admin)("DELETE", `/v1/api-keys/${reader.id}`);
    await tail.until(() => tail.ended, END_WITHIN_MS + 2_000);
    expect(Date.now() - revokedAt).toBeLessThan(END_WITHIN_MS);
    const last = tail.messages.at(-1);
    expect(last?.event).toBe("error");
    expect(last?.id).toBeUndefined();
    const problem = JSON.parse(last?.data ?? "{}");
    expect(problem).toMatchObject({ status: 401, code: "credential_revoked" });
    expect(problem.request_id).toBe(tail.response.headers.get("request-id"));
  });

  it("when a viewer token expires while its tail is open, then the tail ends with credential_expired", async () => {
    const base = ctx.server.base;
    const token = await createViewerToken(base, admin, { workspace_id: "ws_acme" });
    const tail = await openStream(`${base}/v1/events/stream`, {
      Authorization: `Bearer ${token.token}`,
    });
    expect(tail.response.status).toBe(200);
    await ctx.store.query("UPDATE viewer_tokens SET expires_at = now() WHERE token_id = $1", [
      token.id,
    ]);
    // A change behind the server's back is not announced: drop what it cached, as a restart would.
    cacheInvalidation(ctx.store).flushAll();
    await tail.until(() => tail.ended, END_WITHIN_MS + 2_000);
    const problem = JSON.parse(tail.messages.at(-1)?.data ?? "{}");
    expect(problem).toMatchObject({ code: "credential_expired" });
    expect((await client(base, token.token)("GET", "/v1/events")).status).toBe(401);
  });

  it("when a key is rotated while a tail holds its old secret, then that tail ends with credential_expired when the overlap does, and a tail on the new secret goes on", async () => {
    const base = ctx.server.base;
    const reader = await createKey(base, admin, ["activity:read"]);
    const old = await openStream(`${base}/v1/events/stream`, {
      Authorization: `Bearer ${reader.key}`,
    });
    expect(old.response.status).toBe(200);
    const rotated = await client(base, admin)("POST", `/v1/api-keys/${reader.id}/rotate`, {
      body: { overlap_seconds: 1 },
    });
    expect(rotated.status, rotated.text).toBe(200);
    const overlapEnds = Date.parse(rotated.json.previous_key_expires_at);
    const current = await openStream(`${base}/v1/events/stream`, {
      Authorization: `Bearer ${rotated.json.key}`,
    });
    expect(current.response.status).toBe(200);
    try {
      await old.until(() => old.ended, overlapEnds - Date.now() + END_WITHIN_MS + 2_000);
      expect(Date.now() - overlapEnds).toBeLessThan(END_WITHIN_MS);
      const problem = JSON.parse(old.messages.at(-1)?.data ?? "{}");
      expect(problem).toMatchObject({ code: "credential_expired" });
      expect(current.ended).toBe(false);
      await client(base, admin)("POST", "/v1/events", { body: event({ summary: "after" }) });
      await current.until(() => current.messages.some((m) => m.event !== "error"));
    } finally {
      await old.close();
      await current.close();
    }
  });

  it("when a key is revoked during an export, then the export stops with a final problem line", async () => {
    const base = ctx.server.base;
    const writer = client(base, admin);
    // More than the socket buffers hold, so the export is still running.
    const batch = Array.from({ length: 500 }, (_, n) =>
      event({ summary: `bulk ${n}`, metadata: { filler: "x".repeat(8_000) } }),
    );
    for (let round = 0; round < EXPORT_ROUNDS; round++) {
      expect((await writer("POST", "/v1/events/batch", { body: { events: batch } })).status).toBe(
        201,
      );
    }
    for (const format of ["ndjson", "csv"] as const) {
      const exporter = await createKey(base, admin, ["activity:export"]);
      const response = await fetch(`${base}/v1/events/export?format=${format}`, {
        // Uncompressed, so the body outlasts the socket buffers (compressed, it is tiny).
        headers: { Authorization: `Bearer ${exporter.key}`, "Accept-Encoding": "identity" },
      });
      expect(response.status).toBe(200);
      // Not reading yet: the server stalls on backpressure, mid-export, until the revocation.
      await writer("DELETE", `/v1/api-keys/${exporter.id}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const text = await readAll(response);
      const lines = text.trimEnd().split(/\r?\n/);
      const last = lines.at(-1) as string;
      const problemText = format === "ndjson" ? last : parseEndRow(last);
      expect(JSON.parse(problemText)).toMatchObject({ status: 401, code: "credential_revoked" });
      // Fewer rows than the events written: it was cut short, at a row boundary.
      const rows = format === "ndjson" ? lines.length - 1 : lines.length - 2;
      console.info(`${format} export cut after ${rows} of ${EXPORT_ROUNDS * 500} rows`);
      expect(rows).toBeLessThan(EXPORT_ROUNDS * 500);
      if (format === "ndjson") {
        for (const line of lines.slice(0, -1)) expect(typeof JSON.parse(line).seq).toBe("number");
      }
    }
  }, 120_000);

  it("when a credential holds its maximum of open streams, then one more is 429 too_many_streams until one ends", async () => {
    const base = ctx.server.base;
    const reader = await createKey(base, admin, ["activity:read", "activity:export"]);
    const headers = { Authorization: `Bearer ${reader.key}` };
    const first = await openStream(`${base}/v1/events/stream`, headers);
    const second = await openStream(`${base}/v1/events/stream`, headers);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    const third = await client(base, reader.key)("GET", "/v1/events/stream");
    expect(third.status).toBe(429);
    expect(third.json.code).toBe("too_many_streams");
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    const exported = await client(base, reader.key)("GET", "/v1/events/export?format=ndjson");
    expect(exported.json.code).toBe("too_many_streams");
    // Another credential is not affected.
    const other = await openStream(`${base}/v1/events/stream`, {
      Authorization: `Bearer ${admin}`,
    });
    expect(other.response.status).toBe(200);
    await other.close();
    // A client that goes away frees its slot.
    await first.close();
    let reopened: Awaited<ReturnType<typeof openStream>> | undefined;
    for (let attempt = 0; attempt < 50 && reopened?.response.status !== 200; attempt++) {
      await reopened?.close();
      reopened = await openStream(`${base}/v1/events/stream`, headers);
      if (reopened.response.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reopened?.response.status).toBe(200);
    await reopened?.close();
    await second.close();
  });
});

function parseEndRow(row: string): string {
  expect(row.startsWith("#error,")).toBe(true);
  const cell = row.slice("#error,".length);
  return cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell;
}

describe.each(STORE_KINDS)("failed authentication throttled per address (%s)", (kind) => {
  let ctx: TestContext;
  let throttled: TestServer;
  let key: string;

  beforeAll(async () => {
    ctx = await setUp(kind);
    key = (await newProject(ctx.store)).key;
    throttled = await startServer(ctx.store as Store, {
      abuse: { ...ABUSE, authFailuresPerMinute: 5, trustProxy: "loopback" },
    });
  });
  afterAll(async () => {
    await throttled.close();
    await ctx.close();
  });

  it("when one address fails too often, then it gets 429 with Retry-After, and other addresses do not", async () => {
    const from = (address: string, bearer?: string) => {
      const call = client(throttled.base, bearer);
      return (path: string) => call("GET", path, { headers: { "X-Forwarded-For": address } });
    };
    const attacker = from("203.0.113.5", "chr_wrongwrongwrongwrongwrongwrongwrongwrongwro");
    await awayFromMinuteEdge();
    const statuses: number[] = [];
    for (let n = 0; n < 8; n++) statuses.push((await attacker("/v1/events")).status);
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses.slice(6)).toEqual([429, 429]);
    const blocked = await from("203.0.113.5", key)("/v1/events");
    expect(blocked.status).toBe(429);
    expect(blocked.json.code).toBe("rate_limit_exceeded");
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A valid key from another address is not blocked; nor is a health check.
    expect((await from("203.0.113.6", key)("/v1/events")).status).toBe(200);
    expect((await from("203.0.113.5")("/v1/health")).status).toBe(200);
  });

  it("when failures come through another replica, then they count toward the same address", async () => {
    const replica = await startServer(ctx.store as Store, {
      abuse: { ...ABUSE, authFailuresPerMinute: 5, trustProxy: "loopback" },
    });
    try {
      const bad = "chr_badbadbadbadbadbadbadbadbadbadbadbadbadbadb";
      const through = (base: string) =>
        client(base, bad)("GET", "/v1/events", { headers: { "X-Forwarded-For": "198.51.100.9" } });
      await awayFromMinuteEdge();
      const statuses: number[] = [];
      for (let n = 0; n < 3; n++) statuses.push((await through(throttled.base)).status);
      for (let n = 0; n < 3; n++) statuses.push((await through(replica.base)).status);
      // The 6th failure in the window, whichever replica saw the others, blocks the address.
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
      expect((await through(replica.base)).status).toBe(429);
      // The other replica blocks it at its next failure (one more answer at most).
      expect((await through(throttled.base)).status).toBe(401);
      expect((await through(throttled.base)).status).toBe(429);
    } finally {
      await replica.close();
    }
  });
});
