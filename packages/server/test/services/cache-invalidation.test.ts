import {
  countingQueries,
  createTestDatabase,
  newProject,
  POSTGRES_URL,
  STORE_KINDS,
  type Store,
  type TestDatabase,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, createApiKey, revokeApiKey } from "../../src/services/index.js";
import {
  cacheInvalidation,
  transactionInvalidating,
  VERSION_CHECK_MS,
} from "../../src/services/system/cache-invalidation.js";

/** Polls `check` every 20 ms until it is true; resolves with the milliseconds it took. */
async function msUntil(check: () => Promise<boolean>, limitMs = 5_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

describe.each(STORE_KINDS)("in-process caches of credentials (%s)", (kind) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(kind, { migrated: true });
    store = await db.open();
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("when a key is used again, then it is answered from the cache without a query", async () => {
    const { projectId } = await newProject(store);
    const key = await createApiKey(store, projectId, { name: "cached", scopes: ["activity:read"] });
    const { store: watched, queries } = countingQueries(store);
    expect(await authenticate(watched, key.key)).toMatchObject({ id: key.id, projectId });
    const afterFirst = queries();
    for (let n = 0; n < 20; n++) {
      expect(await authenticate(watched, key.key)).toMatchObject({ id: key.id });
    }
    expect(queries()).toBe(afterFirst);
  });

  it("when a key is revoked in this process, then the very next authentication refuses it", async () => {
    const { projectId } = await newProject(store);
    const key = await createApiKey(store, projectId, { name: "revoked", scopes: ["admin"] });
    expect(await authenticate(store, key.key)).not.toBeNull();
    await revokeApiKey(store, projectId, key.id);
    expect(await authenticate(store, key.key)).toBeNull();
  });

  it("when the change's transaction rolls back, then the cache keeps serving the key", async () => {
    const { projectId } = await newProject(store);
    const key = await createApiKey(store, projectId, { name: "kept", scopes: ["admin"] });
    expect(await authenticate(store, key.key)).not.toBeNull();
    await expect(
      transactionInvalidating(store, { cache: "credentials", group: projectId }, async (tx) => {
        await tx.query("UPDATE api_keys SET revoked_at = now() WHERE key_id = $1", [key.id]);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await authenticate(store, key.key)).toMatchObject({ id: key.id });
  });
});

describe.skipIf(!POSTGRES_URL)("cache invalidation across replicas (PostgreSQL)", () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    db = await createTestDatabase("postgres", { migrated: true });
    // Two stores on one database: two replicas' pools and listening connections.
    [a, b] = await Promise.all([db.open(), db.open()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  async function cachedOnBoth() {
    const { projectId } = await newProject(a);
    const key = await createApiKey(a, projectId, { name: "shared", scopes: ["admin"] });
    expect(await authenticate(a, key.key)).not.toBeNull();
    expect(await authenticate(b, key.key)).not.toBeNull();
    return { projectId, key };
  }

  it("when a key is revoked on one replica, then the other refuses it within a second (notified)", async () => {
    const { projectId, key } = await cachedOnBoth();
    await revokeApiKey(a, projectId, key.id);
    const ms = await msUntil(async () => (await authenticate(b, key.key)) === null);
    expect(ms).toBeLessThan(1_000);
  });

  it("when the notification of a change is lost, then the version comparison still refuses the key within a second", async () => {
    const { key } = await cachedOnBoth();
    // What a lost notification leaves: the change and the version bump, no NOTIFY.
    await a.transaction(async (tx) => {
      await tx.query("UPDATE api_keys SET revoked_at = now() WHERE key_id = $1", [key.id]);
      await tx.query(
        "UPDATE settings SET value = (value::bigint + 1)::text WHERE name = 'cache_version'",
      );
    });
    const ms = await msUntil(async () => (await authenticate(b, key.key)) === null);
    expect(ms).toBeLessThan(VERSION_CHECK_MS + 500);
  });

  it("when the listening connection is cut, then a change made meanwhile is still applied within a second", async () => {
    const { projectId, key } = await cachedOnBoth();
    await a.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
    );
    await revokeApiKey(a, projectId, key.id);
    const ms = await msUntil(async () => (await authenticate(b, key.key)) === null);
    expect(ms).toBeLessThan(1_000);
    // And the listeners come back: the next change is notified again.
    const next = await cachedOnBoth();
    await revokeApiKey(a, next.projectId, next.key.id);
    expect(await msUntil(async () => (await authenticate(b, next.key.key)) === null)).toBeLessThan(
      1_000,
    );
  });

  it("when nothing changes, then a busy replica compares the version at most twice a second", async () => {
    const { key } = await cachedOnBoth();
    const { store: watched, queries } = countingQueries(b);
    // The wrapper is a new Store object: it shares b's pool but has caches of its own.
    expect(await authenticate(watched, key.key)).not.toBeNull();
    const before = queries();
    const started = Date.now();
    let calls = 0;
    while (Date.now() - started < 1_200) {
      await authenticate(watched, key.key);
      calls += 1;
    }
    const elapsed = Date.now() - started;
    expect(calls).toBeGreaterThan(50);
    expect(queries() - before).toBeLessThanOrEqual(Math.ceil(elapsed / VERSION_CHECK_MS) + 1);
    expect(cacheInvalidation(watched)).not.toBe(cacheInvalidation(b));
  });
});
