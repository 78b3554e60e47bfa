import {
  createPostgresDatabase,
  createProjectWithCli,
  POSTGRES_URL,
  type PostgresDatabase,
  type ServerProcess,
  startServerProcess,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, type Chronicle } from "../../packages/sdk/src/index.js";
import { authHeaders, problemMismatch, runLength, sdkFor, timedRequest } from "./support/index.js";

/**
 * Credentials are checked for as long as they are used, on every replica: two `chronicle
 * serve` processes on one PostgreSQL database; a credential is revoked (or expires) through
 * one while its streams are open on the other. Abuse limits: failed authentication
 * throttled per address across both, and a cap on concurrent streams per credential.
 */

/** The promise: a revoked or expired credential's streams end within this. */
const END_WITHIN_MS = 5_000;
const STREAM_CAP = 3;
const AUTH_FAILURES_PER_MINUTE = 20;

interface EndedStream {
  /** Milliseconds from the revocation (or expiry) to the stream's end. */
  endedAfterMs: number;
  error: unknown;
}

/**
 * Consumes a tail until it throws: `open` resolves at its first event (so the stream is
 * surely connected), `ended` with when (after `since()`) and what ended it.
 */
function watchTail(tail: AsyncIterable<unknown>, since: () => number) {
  let opened: () => void = () => {};
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const ended = (async (): Promise<EndedStream> => {
    try {
      for await (const _ of tail) opened();
      return { endedAfterMs: Date.now() - since(), error: undefined };
    } catch (error) {
      return { endedAfterMs: Date.now() - since(), error };
    } finally {
      opened();
    }
  })();
  return { open, ended };
}

const probe = {
  action: "key.probe",
  actor: { type: "system" as const, id: "probe" },
  workspace_id: "ws_acme",
};

/** Writes probe events until the tail has received one. */
async function untilOpen(tail: { open: Promise<void> }, writer: Chronicle): Promise<void> {
  let isOpen = false;
  void tail.open.then(() => {
    isOpen = true;
  });
  for (let n = 0; n < 100 && !isOpen; n++) {
    await writer.events.create(probe);
    await Promise.race([tail.open, new Promise((resolve) => setTimeout(resolve, 200))]);
  }
}

/** Opens a raw export and reads nothing until `release()`: the server stalls on backpressure. */
async function stalledExport(url: string, apiKey: string) {
  const response = await fetch(`${url}/v1/events/export?format=ndjson`, {
    // Uncompressed, so the body outlasts the socket buffers (compressed, it is tiny).
    headers: authHeaders(apiKey, { "Accept-Encoding": "identity" }),
    signal: AbortSignal.timeout(120_000),
  });
  return {
    status: response.status,
    /** Reads the rest; resolves with the last line and how many lines came before it. */
    async drain(): Promise<{ lastLine: string; rows: number }> {
      const text = await response.text();
      const lines = text.trimEnd().split("\n");
      return { lastLine: lines.at(-1) ?? "", rows: lines.length - 1 };
    },
  };
}

describe.skipIf(!POSTGRES_URL)("credentials in use across replicas (PostgreSQL)", () => {
  let db: PostgresDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let adminKey: string;
  let adminA: Chronicle;
  let adminB: Chronicle;
  const endings: Record<string, number[]> = {};

  beforeAll(async () => {
    db = await createPostgresDatabase("creds");
    adminKey = (await createProjectWithCli({ databaseUrl: db.url }, "Credentials")).api_key;
    const env = {
      CHRONICLE_MAX_STREAMS_PER_CREDENTIAL: String(STREAM_CAP),
      CHRONICLE_AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES_PER_MINUTE),
      CHRONICLE_TRUST_PROXY: "loopback",
      CHRONICLE_HEARTBEAT_MS: "1000",
      // Replicas share their token secret, so a viewer token minted on one works on the other.
      CHRONICLE_TOKEN_SECRETS: "reliability-credentials-0123456789abcdef0123456789",
    };
    [a, b] = await Promise.all([
      startServerProcess({ databaseUrl: db.url, env }),
      startServerProcess({ databaseUrl: db.url, env }),
    ]);
    adminA = sdkFor(a.url, adminKey);
    adminB = sdkFor(b.url, adminKey);
    // Enough large events that an export outlasts the socket buffers of a client not reading.
    const rounds = runLength(4, 8);
    for (let round = 0; round < rounds; round++) {
      await adminA.events
        .batch({
          events: Array.from({ length: 500 }, (_, n) => ({
            action: "report.generated",
            actor: { type: "system", id: "reports" },
            workspace_id: "ws_acme",
            metadata: { n, filler: "x".repeat(8_000) },
          })),
        })
        .catch((error: unknown) => {
          throw new Error(`seeding failed: ${String(error)}\n${a.output().slice(-3000)}`);
        });
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    // The figures docs/reliability.md quotes.
    console.info(
      "credential stream endings (ms after revocation/expiry):",
      JSON.stringify(endings),
    );
  });

  function record(name: string, ms: number) {
    endings[name] ??= [];
    endings[name].push(Math.round(ms));
  }

  async function newKey(scopes: ("activity:read" | "activity:export" | "admin")[]) {
    const created = await adminA.apiKeys.create({
      name: `reliability ${scopes.join(" ")}`,
      scopes,
    });
    return { id: created.id, key: created.key };
  }

  it("when a key is revoked through one replica, its tail and its export on the other end within 5 s, saying why", async () => {
    const key = await newKey(["activity:read", "activity:export"]);
    const reader = sdkFor(a.url, key.key, { maxRetries: 0 });
    let revokedAt = Number.POSITIVE_INFINITY;
    const tailed = watchTail(reader.events.tail(), () => revokedAt);
    const exported = await stalledExport(a.url, key.key);
    expect(exported.status).toBe(200);
    await untilOpen(tailed, adminB);

    revokedAt = Date.now();
    await adminB.apiKeys.revoke(key.id);
    const tail = await tailed.ended;
    expect(tail.error).toBeInstanceOf(AuthenticationError);
    expect(tail.error).toMatchObject({ code: "credential_revoked" });
    expect(tail.endedAfterMs).toBeLessThan(END_WITHIN_MS);
    record("key revoked: tail", tail.endedAfterMs);

    const { lastLine, rows } = await exported.drain();
    const exportEndedAfter = Date.now() - revokedAt;
    expect(JSON.parse(lastLine)).toMatchObject({ status: 401, code: "credential_revoked" });
    expect(rows).toBeLessThan(500 * runLength(4, 8));
    record("key revoked: export (drained)", exportEndedAfter);
    // And the key itself is refused on both replicas.
    for (const server of [a, b]) {
      const answer = await timedRequest(`${server.url}/v1/events`, {
        headers: authHeaders(key.key),
      });
      expect(problemMismatch(answer, 401, "unauthorized")).toBeUndefined();
    }
  });

  it("when a viewer token expires while streaming, its tail ends with credential_expired", async () => {
    const token = await adminA.viewerTokens.create({ workspace_id: "ws_acme", ttl_seconds: 60 });
    // Bring the expiry (on the database's clock) 5 s ahead instead of waiting a minute.
    await db.query(
      "UPDATE viewer_tokens SET expires_at = now() + interval '5 seconds' WHERE token_id = $1",
      [token.id],
    );
    const [row] = await db.query<{ expires_at: Date }>(
      "SELECT expires_at FROM viewer_tokens WHERE token_id = $1",
      [token.id],
    );
    const expiresAt = new Date(row?.expires_at as Date).getTime();
    const viewer = sdkFor(b.url, token.token, { maxRetries: 0 });
    const tailed = watchTail(viewer.events.tail(), () => expiresAt);
    await untilOpen(tailed, adminA);
    const tail = await tailed.ended;
    expect(tail.error).toBeInstanceOf(AuthenticationError);
    expect(tail.error).toMatchObject({ code: "credential_expired" });
    expect(tail.endedAfterMs).toBeLessThan(END_WITHIN_MS);
    record("viewer token expired: tail", tail.endedAfterMs);
  });

  it("when the key that minted a viewer token is revoked, the token's tail ends and the token is refused everywhere", async () => {
    const minter = await newKey(["activity:read"]);
    const token = await sdkFor(a.url, minter.key).viewerTokens.create({ workspace_id: "ws_acme" });
    const viewer = sdkFor(a.url, token.token, { maxRetries: 0 });
    let revokedAt = Number.POSITIVE_INFINITY;
    const tailed = watchTail(viewer.events.tail(), () => revokedAt);
    await untilOpen(tailed, adminB);
    revokedAt = Date.now();
    await adminB.apiKeys.revoke(minter.id);
    const tail = await tailed.ended;
    expect(tail.error).toMatchObject({ code: "credential_revoked" });
    expect(tail.endedAfterMs).toBeLessThan(END_WITHIN_MS);
    record("minting key revoked: viewer tail", tail.endedAfterMs);
    for (const server of [a, b]) {
      const answer = await timedRequest(`${server.url}/v1/events`, {
        headers: authHeaders(token.token),
      });
      expect(problemMismatch(answer, 401, "unauthorized")).toBeUndefined();
    }
  });

  it("when one address brute-forces keys through both replicas, it is throttled with 429 + Retry-After; other addresses are not", async () => {
    const attempts = runLength(200, 2_000);
    const concurrency = 8;
    const statuses = new Map<number | "failed", number>();
    const mismatches: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < attempts) {
          const n = next++;
          const server = n % 2 ? a : b;
          const guess = `chr_${n.toString(36).padStart(43, "0")}`;
          const answer = await timedRequest(`${server.url}/v1/events`, {
            headers: authHeaders(guess, { "X-Forwarded-For": "203.0.113.66" }),
          });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 429) {
            const why = problemMismatch(answer, 429, "rate_limit_exceeded");
            if (why) mismatches.push(why);
          } else if (answer.status !== 401) {
            mismatches.push(`status ${answer.status}`);
          }
        }
      }),
    );
    console.info("brute force:", attempts, "attempts →", JSON.stringify([...statuses]));
    expect(mismatches).toEqual([]);
    // At most the limit, plus one per replica and what was in flight when each blocked.
    expect(statuses.get(401) ?? 0).toBeLessThanOrEqual(AUTH_FAILURES_PER_MINUTE + 2 * concurrency);
    expect(statuses.get(429) ?? 0).toBeGreaterThanOrEqual(
      attempts - AUTH_FAILURES_PER_MINUTE - 2 * concurrency,
    );
    // A valid key from the throttled address waits too; from another address it works.
    const blocked = await timedRequest(`${a.url}/v1/events`, {
      headers: authHeaders(adminKey, { "X-Forwarded-For": "203.0.113.66" }),
    });
    expect(problemMismatch(blocked, 429, "rate_limit_exceeded")).toBeUndefined();
    for (const server of [a, b]) {
      const fine = await timedRequest(`${server.url}/v1/events?limit=1`, {
        headers: authHeaders(adminKey, { "X-Forwarded-For": "198.51.100.7" }),
      });
      expect(fine.status).toBe(200);
    }
  });

  it("when a credential opens more streams than its cap on one replica, the extra is 429 too_many_streams, and a slot frees when a stream ends", async () => {
    const key = await newKey(["activity:read", "activity:export"]);
    const open: AbortController[] = [];
    const openTail = async (server: ServerProcess) => {
      const controller = new AbortController();
      const response = await fetch(`${server.url}/v1/events/stream`, {
        headers: authHeaders(key.key),
        signal: controller.signal,
      });
      open.push(controller);
      return response;
    };
    try {
      for (let n = 0; n < STREAM_CAP; n++) expect((await openTail(a)).status).toBe(200);
      const extraTail = await timedRequest(`${a.url}/v1/events/stream`, {
        headers: authHeaders(key.key),
      });
      expect(problemMismatch(extraTail, 429, "too_many_streams")).toBeUndefined();
      const extraExport = await timedRequest(`${a.url}/v1/events/export?format=csv`, {
        headers: authHeaders(key.key),
      });
      expect(problemMismatch(extraExport, 429, "too_many_streams")).toBeUndefined();
      // The cap is per replica (documented): the other one still accepts.
      expect((await openTail(b)).status).toBe(200);
      // A client going away frees its slot.
      open.shift()?.abort();
      let reopened = 0;
      for (let attempt = 0; attempt < 50 && reopened !== 200; attempt++) {
        const response = await openTail(a);
        reopened = response.status;
        if (reopened !== 200) {
          open.pop()?.abort();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect(reopened).toBe(200);
    } finally {
      for (const controller of open) controller.abort();
    }
  });
});
