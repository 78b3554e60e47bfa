// Viewer-token revocation and streams ended by their credential, through the SDK against the
// real reference server (in-process, PGlite).

import { loadConfig, newProject, setUp, type TestContext } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, Chronicle, type EventInput, RateLimitError } from "../src/index.js";

let ctx: TestContext;
let baseUrl: string;
let admin: Chronicle;

const event = (n: number): EventInput => ({
  action: "issue.created",
  actor: { type: "user", id: "usr_ada" },
  workspace_id: "ws_acme",
  summary: `Event ${n}`,
  // Large rows, so an export is still streaming when its key is revoked.
  metadata: { n, filler: "x".repeat(8_000) },
});

beforeAll(async () => {
  const defaults = loadConfig({});
  ctx = await setUp("pglite", {
    heartbeatMs: 200,
    abuse: { ...defaults.abuse, credentialCheckMs: 200, maxStreamsPerCredential: 1 },
  });
  baseUrl = ctx.server.base;
  const { key } = await newProject(ctx.store, "SDK credentials");
  admin = new Chronicle({ apiKey: key, baseUrl });
  // 16 MB of rows: twice what the sockets between the export and the SDK held in any run.
  for (let round = 0; round < 4; round++) {
    await admin.events.batch({ events: Array.from({ length: 500 }, (_, n) => event(n)) });
  }
}, 180_000);

afterAll(async () => {
  await ctx?.close();
});

async function readKey(scopes: ("activity:read" | "activity:export")[]) {
  const key = await admin.apiKeys.create({ name: "reader", scopes });
  // Uncompressed, so an export outlasts the socket buffers (compressed, it is tiny).
  const headers = { "Accept-Encoding": "identity" };
  return {
    id: key.id,
    client: new Chronicle({ apiKey: key.key, baseUrl, maxRetries: 0, headers }),
  };
}

describe("credentials through the SDK", () => {
  it("viewerTokens.revoke refuses the token from then on", async () => {
    const token = await admin.viewerTokens.create({ workspace_id: "ws_acme" });
    expect(token.id).toMatch(/^vtk_/);
    const viewer = new Chronicle({ apiKey: token.token, baseUrl, maxRetries: 0 });
    await viewer.events.list({ limit: 1 });
    const revoked = await admin.viewerTokens.revoke(token.id);
    expect(revoked).toMatchObject({
      id: token.id,
      workspace_id: "ws_acme",
      scopes: ["activity:read"],
    });
    expect(revoked.revoked_at).not.toBeNull();
    await expect(viewer.events.list({ limit: 1 })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("a tail whose key is revoked throws AuthenticationError credential_revoked", async () => {
    const reader = await readKey(["activity:read"]);
    const tail = reader.client.events.tail();
    const received: number[] = [];
    // Settled into a value at once: the stream can end before the revoke call returns, and a
    // rejection nobody is waiting on yet is an unhandled one.
    const consumed = (async () => {
      for await (const item of tail) received.push(item.seq);
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    // The tail is open once an event written now reaches it.
    let written = 0;
    while (received.length === 0) {
      await admin.events.create(event(written++));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await admin.apiKeys.revoke(reader.id);
    const error = await consumed;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "credential_revoked" });
  });

  it("a tail of a viewer token that is revoked throws credential_revoked", async () => {
    const token = await admin.viewerTokens.create({ workspace_id: "ws_acme" });
    const viewer = new Chronicle({ apiKey: token.token, baseUrl, maxRetries: 0 });
    const iterator = viewer.events.tail()[Symbol.asyncIterator]();
    // Settled into a value at once, as above.
    const outcome = iterator.next().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await admin.viewerTokens.revoke(token.id);
    const error = await outcome;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: "credential_revoked" });
  });

  it("an export whose key is revoked throws credential_revoked after the rows received", async () => {
    for (const format of ["ndjson", "csv"] as const) {
      const exporter = await readKey(["activity:export"]);
      const rows = exporter.client.events.export({ format } as { format: "ndjson" });
      const iterator = rows[Symbol.asyncIterator]();
      await iterator.next();
      await admin.apiKeys.revoke(exporter.id);
      // Stalled on backpressure until the revocation is noticed; then the rest, and the end.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      let count = 1;
      const error = await (async () => {
        for (;;) {
          const item = await iterator.next();
          if (item.done) return undefined;
          count++;
          // Read slowly, so that a revocation noticed late (a loaded machine) still finds
          // rows left to send: once the last was written there is nothing to cut short.
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })().catch((caught: unknown) => caught);
      expect(error, `${format} after ${count} rows`).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ code: "credential_revoked" });
      expect(count).toBeLessThan(2000);
    }
  });

  it("a second stream over the credential's cap is a RateLimitError too_many_streams", async () => {
    const reader = await readKey(["activity:read"]);
    const stop = new AbortController();
    const first = reader.client.events.tail({}, { signal: stop.signal })[Symbol.asyncIterator]();
    const pending = first.next();
    pending.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = reader.client.events.tail({}, { maxReconnects: 0 })[Symbol.asyncIterator]();
    const error = await second.next().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, code: "too_many_streams" });
    stop.abort();
    await pending.catch(() => {});
  });
});
