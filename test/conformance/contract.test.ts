import {
  createTestDatabase,
  newProject,
  STORE_KINDS,
  type Store,
  type StoreKind,
  type TestDatabase,
  type TestServer,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CASES, type ConformanceContext, NOT_PROVOKED, sampleEvent } from "./cases/index.js";
import { documentedPairs, operations } from "./support/contract.js";
import { type CuttableProxy, cuttableProxy } from "./support/cuttable-proxy.js";
import { RecordingClient } from "./support/recording-client.js";
import { collectingLogger, serve } from "./support/reference-server.js";

/**
 * Every operation × documented status of the bundled contract, provoked on the real server
 * and checked against the contract (status, headers, media type, body schema).
 */

function allowlisted(pair: string, kind: StoreKind): boolean {
  const status = pair.split(" ")[1];
  return NOT_PROVOKED.some((entry) => entry.status === status && entry.stores.includes(kind));
}

describe("the case table", () => {
  it("has a case for every documented operation × status not on the short allowlist", () => {
    for (const kind of ["pglite", "postgres"] as StoreKind[]) {
      const covered = new Set(
        CASES.filter((c) => !c.stores || c.stores.includes(kind)).map(
          (c) => `${c.operationId} ${c.status}`,
        ),
      );
      const missing = documentedPairs().filter((p) => !covered.has(p) && !allowlisted(p, kind));
      expect(missing, `operation × status without a test on ${kind}`).toEqual([]);
    }
  });

  it("names only operations and statuses the contract documents", () => {
    const documented = new Set(documentedPairs());
    const stray = CASES.map((c) => `${c.operationId} ${c.status}`).filter(
      (p) => !documented.has(p),
    );
    expect(stray).toEqual([]);
  });
});

describe.each(STORE_KINDS)("the reference server on %s keeps the contract", (kind) => {
  const logger = collectingLogger();
  const closers: (() => Promise<void>)[] = [];
  let ctx: ConformanceContext;

  beforeAll(async () => {
    const database: TestDatabase = await createTestDatabase(kind, { migrated: true });
    const store: Store = await database.open();
    const server: TestServer = await serve(store, logger);
    closers.push(database.drop, () => store.close(), server.close);

    const a = await newProject(store, "Conformance A");
    const b = await newProject(store, "Conformance B");
    const c = await newProject(store, "Conformance rate limit");
    const d = await newProject(store, "Conformance deleted");
    const api = new RecordingClient(server.base, a.key);

    const keyWith = async (scope: string) => {
      const created = await api.call("POST", "/v1/api-keys", {
        body: { name: `only ${scope}`, scopes: [scope] },
      });
      expect(created.status).toBe(201);
      return created.json.key as string;
    };
    const seeded = await api.call("POST", "/v1/events", { body: sampleEvent() });
    expect(seeded.status).toBe(201);
    await api.call("POST", "/v1/events/batch", {
      body: {
        events: [
          sampleEvent({ action: "issue.created", target: { type: "issue", id: "ISS-2" } }),
          sampleEvent({ workspace_id: "ws_other" }),
        ],
      },
    });
    const other = await api.call("POST", "/v1/events", { body: sampleEvent(), key: b.key });
    const viewer = await api.call("POST", "/v1/viewer-tokens", {
      body: { workspace_id: "ws_acme" },
    });

    const limitedServer = await serve(store, logger, { rateLimitPerMinute: 1 });
    closers.push(limitedServer.close);

    let down: RecordingClient | undefined;
    if (kind === "postgres" && database.databaseUrl) {
      const proxy: CuttableProxy = await cuttableProxy(database.databaseUrl);
      const cutStore = await database.open({ databaseUrl: proxy.url });
      const downServer = await serve(cutStore, collectingLogger());
      closers.push(proxy.close, () => cutStore.close().catch(() => undefined), downServer.close);
      await proxy.cut();
      down = new RecordingClient(downServer.base, a.key);
    }

    ctx = {
      kind,
      api,
      keys: {
        read: await keyWith("activity:read"),
        write: await keyWith("activity:write"),
        export: await keyWith("activity:export"),
        viewer: viewer.json.token,
      },
      eventId: seeded.json.id,
      otherProjectEventId: other.json.id,
      otherProjectKey: b.key,
      deletedProjectKey: d.key,
      limited: new RecordingClient(limitedServer.base, c.key),
      down,
    };
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  const cases = CASES.filter((c) => !c.stores || c.stores.includes(kind));
  for (const c of cases) {
    it(`${c.operationId} answers ${c.status} when ${c.when}`, async () => {
      const result = await c.run(ctx);
      expect(result.operationId).toBe(c.operationId);
      expect({ status: result.status, code: result.json?.code }, result.text.slice(0, 300)).toEqual(
        { status: c.status, code: c.code },
      );
      expect(result.violations).toEqual([]);
      c.check?.(result, ctx);
    });
  }

  it("saw every documented operation × status, and nothing the contract does not document", () => {
    const observations = [
      ...ctx.api.observations,
      ...ctx.limited.observations,
      ...(ctx.down?.observations ?? []),
    ];
    const seen = new Set(
      observations
        .filter((o) => o.violations.length === 0)
        .map((o) => `${o.operationId} ${o.status}`),
    );
    const unseen = documentedPairs().filter((p) => !seen.has(p) && !allowlisted(p, kind));
    expect(unseen, "documented but never answered conformingly").toEqual([]);
    const documented = new Set(documentedPairs());
    const undocumented = observations
      .map((o) => `${o.operationId} ${o.status}`)
      .filter((p) => !documented.has(p));
    expect([...new Set(undocumented)], "answered but not documented").toEqual([]);
    const serverErrors = observations.filter((o) => o.status === 500);
    expect(serverErrors, "a 500 is a bug").toEqual([]);
    expect(logger.errors, "errors the server logged").toEqual([]);
    expect(operations.length).toBeGreaterThan(0);
  });
});
