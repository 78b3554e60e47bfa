import {
  createPostgresDatabase,
  createProjectWithCli,
  POSTGRES_URL,
  type PostgresDatabase,
  type ServerProcess,
  startServerProcess,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Chronicle } from "../../packages/sdk/src/index.js";
import { authHeaders, sdkFor } from "./support/index.js";

/**
 * What each server process keeps to itself, checked across three `chronicle serve`
 * processes on one PostgreSQL database. Credentials are cached in every process (no query
 * per request), and a revocation through one reaches the others' caches: a credential in
 * use on all of them is revoked through the first, and the others are polled until they
 * refuse it (docs/guides/api-keys.md: within 1 s). Rate limits are counted in leases of
 * the shared count, not a write per request: together the processes never admit more than
 * the limit (docs/guides/rate-limits.md).
 */
const REFUSED_WITHIN_MS = 1_000;
const ROUNDS = 5;
const LIMIT_PER_MINUTE = 300;

/** Polls `url` with `credential` every 10 ms until it is refused; ms from `since`. */
async function msUntilRefused(url: string, credential: string, since: number): Promise<number> {
  for (;;) {
    const response = await fetch(`${url}/v1/events?limit=1`, { headers: authHeaders(credential) });
    await response.body?.cancel();
    if (response.status === 401) return Date.now() - since;
    if (response.status !== 200) throw new Error(`unexpected status ${response.status}`);
    if (Date.now() - since > 10_000) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!POSTGRES_URL)(
  "access across replicas: cached credentials, shared rate limits (PostgreSQL)",
  () => {
    let db: PostgresDatabase;
    let servers: ServerProcess[] = [];
    let admin: Chronicle;
    const refusals: Record<string, number[]> = {};

    beforeAll(async () => {
      db = await createPostgresDatabase("revocation");
      const adminKey = (await createProjectWithCli({ databaseUrl: db.url }, "Revocation")).api_key;
      const env = {
        CHRONICLE_TOKEN_SECRETS: "reliability-revocation-0123456789abcdef012345678",
        CHRONICLE_RATE_LIMIT_PER_MINUTE: String(LIMIT_PER_MINUTE),
      };
      servers = await Promise.all(
        [0, 1, 2].map(() => startServerProcess({ databaseUrl: db.url, env })),
      );
      admin = sdkFor(servers[0]?.url as string, adminKey);
    }, 180_000);

    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await db?.drop();
      console.info(
        "ms from revocation to refusal on the other replicas:",
        JSON.stringify(refusals),
      );
    });

    /** Uses `credential` on every replica (so each has it cached), then revokes and polls. */
    async function revokeAndPoll(name: string, credential: string, revoke: () => Promise<unknown>) {
      for (const server of servers) {
        for (let n = 0; n < 3; n++) {
          const response = await fetch(`${server.url}/v1/events?limit=1`, {
            headers: authHeaders(credential),
          });
          await response.body?.cancel();
          expect(response.status).toBe(200);
        }
      }
      await revoke();
      const since = Date.now();
      const others = servers.slice(1);
      const ms = await Promise.all(
        others.map((server) => msUntilRefused(server.url, credential, since)),
      );
      refusals[name] ??= [];
      refusals[name].push(...ms);
      for (const each of ms) expect(each).toBeLessThan(REFUSED_WITHIN_MS);
    }

    it("when a key is revoked through one replica, then every other refuses it within a second", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const key = await admin.apiKeys.create({
          name: `reader ${round}`,
          scopes: ["activity:read"],
        });
        await revokeAndPoll("api key", key.key, () => admin.apiKeys.revoke(key.id));
      }
    });

    it("when a viewer token is revoked through one replica, then every other refuses it within a second", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const token = await admin.viewerTokens.create({ workspace_id: "ws_acme" });
        await revokeAndPoll("viewer token", token.token, () => admin.viewerTokens.revoke(token.id));
      }
    });

    it("when the key that minted a viewer token is revoked, then every other replica refuses the token within a second", async () => {
      const minter = await admin.apiKeys.create({ name: "minter", scopes: ["activity:read"] });
      const token = await sdkFor(servers[0]?.url as string, minter.key).viewerTokens.create({
        workspace_id: "ws_acme",
      });
      await revokeAndPoll("minting key", token.token, () => admin.apiKeys.revoke(minter.id));
    });

    it("when one key is hammered through every replica, then together they admit exactly its limit in a minute", async () => {
      const key = await admin.apiKeys.create({ name: "hammer", scopes: ["activity:read"] });
      // The burst must fit in one minute of the database's clock.
      const [row] = await db.query<{ s: number }>(
        "SELECT extract(second FROM clock_timestamp())::float8 AS s",
      );
      const second = Number(row?.s ?? 0);
      if (second > 40) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
      const statuses = new Map<number, number>();
      let next = 0;
      const total = LIMIT_PER_MINUTE * 4;
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          while (next < total) {
            const server = servers[next++ % servers.length] as ServerProcess;
            const response = await fetch(`${server.url}/v1/events?limit=1`, {
              headers: authHeaders(key.key),
            });
            await response.body?.cancel();
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          }
        }),
      );
      console.info("rate limit across 3 replicas:", JSON.stringify([...statuses]));
      expect([...statuses.keys()].sort()).toEqual([200, 429]);
      // Never over; and as every replica kept asking until refused, no lease was left unused.
      expect(statuses.get(200)).toBe(LIMIT_PER_MINUTE);
    }, 120_000);
  },
);
