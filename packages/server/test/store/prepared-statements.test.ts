import {
  createTestDatabase,
  issueEvents,
  newProject,
  STORE_KINDS,
  type TestDatabase,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getEvent, ingestEvents, listEvents } from "../../src/services/index.js";
import { isSingleIndexWalk } from "../../src/store/event-selection.js";
import type { Store } from "../../src/store/index.js";

const EVENTS = { kind: "events" } as const;

describe("which walks are prepared", () => {
  const walk = (filters: object, scope: object = EVENTS) =>
    isSingleIndexWalk({ projectId: "p", filters, scope } as Parameters<
      typeof isSingleIndexWalk
    >[0]);

  it("when one index walks the selection in seq order whatever its value, then it may be prepared", () => {
    expect(walk({})).toBe(true);
    expect(walk({ actor_id: "usr_1" })).toBe(true);
    expect(walk({ action: ["issue.created"] })).toBe(true);
    expect(walk({ action: ["*.deleted"] })).toBe(true);
    expect(walk({ target_type: "issue", target_id: "iss_1" })).toBe(true);
    expect(walk({}, { kind: "workspace", id: "ws_1" })).toBe(true);
  });

  it("when the best plan depends on the values, then it is planned each time", () => {
    expect(walk({ action: ["issue.*"] })).toBe(false);
    expect(walk({ action: ["issue.created", "issue.deleted"] })).toBe(false);
    expect(walk({ actor_id: "usr_1", workspace_id: "ws_1" })).toBe(false);
    expect(walk({ search: "needle" })).toBe(false);
    expect(walk({ start_time: "2026-01-01T00:00:00Z" })).toBe(false);
    expect(walk({ changed_field: "status" })).toBe(false);
    expect(walk({ target_type: "issue" })).toBe(false);
    expect(walk({ actor_id: "usr_1" }, { kind: "workspace", id: "ws_1" })).toBe(false);
    expect(walk({}, { kind: "target", key: "issue\u0000iss_1" })).toBe(false);
  });
});

describe.runIf(STORE_KINDS.includes("postgres"))("prepared statements on postgres", () => {
  let database: TestDatabase;
  let store: Store;
  let projectId: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres", { migrated: true });
    // One connection per pool: what the test runs and what it inspects share a session
    // (reads of a project's events on the read pool's, an event by id on the store's).
    store = await database.open({ poolSize: 1, reads: { poolSize: 1 } });
    projectId = (await newProject(store)).projectId;
    await ingestEvents(
      store,
      projectId,
      issueEvents(60, (n) => ({ actor: { type: "user", id: n < 3 ? "rare" : "common" } })),
    );
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  /** `sql` over pg_prepared_statements in both sessions. */
  async function inBothSessions<R>(sql: string): Promise<R[]> {
    const reads = store.reads ?? store;
    return [...(await store.query<R>(sql)), ...(await reads.query<R>(sql))];
  }

  it("when an event is read by id and a single-filter page is listed, then the connection keeps both statements prepared and answers stay right after the generic plan takes over", async () => {
    const page = await listEvents(store, projectId, {}, { limit: 60 });
    const ids = page.data.map((event) => event.id);
    // More than five executions per statement: PostgreSQL switches to the generic plan.
    for (const id of ids.slice(0, 8)) expect((await getEvent(store, projectId, id)).id).toBe(id);
    for (let round = 0; round < 4; round++) {
      const rare = await listEvents(store, projectId, { actor_id: "rare" });
      const common = await listEvents(store, projectId, { actor_id: "common" }, { limit: 5 });
      expect(rare.data.map((event) => event.seq)).toEqual([3, 2, 1]);
      expect(common.data.map((event) => event.seq)).toEqual([60, 59, 58, 57, 56]);
    }
    const statements = await inBothSessions<{ statement: string; generic_plans: number }>(
      "SELECT statement, generic_plans FROM pg_prepared_statements WHERE name LIKE 'chronicle_%'",
    );
    const byId = statements.find((row) =>
      /WHERE project_id = \$1 AND id = \$2/.test(row.statement),
    );
    const byActor = statements.find((row) => /actor_id = \$2/.test(row.statement));
    expect(byId?.generic_plans).toBeGreaterThan(0);
    expect(byActor).toBeDefined();
  });

  it("when a caller cycles through page sizes, then only the usual sizes are prepared and every page is still right", async () => {
    for (let limit = 2; limit <= 40; limit++) {
      const page = await listEvents(store, projectId, { actor_id: "common" }, { limit });
      expect(page.data.map((event) => event.seq)).toEqual(
        Array.from({ length: limit }, (_, n) => 60 - n),
      );
    }
    const limits = await inBothSessions<{ rows: string }>(
      `SELECT substring(statement from 'LIMIT ([0-9]+)') AS rows FROM pg_prepared_statements
       WHERE name LIKE 'chronicle_%' AND statement LIKE '%actor_id = $2%'`,
    );
    // 11, 21 and 26 rows from this loop (sizes 10, 20, 25), 51 from the default size above.
    const prepared = [...new Set(limits.map((row) => Number(row.rows)))].sort((a, b) => a - b);
    expect(prepared).toEqual([11, 21, 26, 51]);
  });

  it("when a page is searched, then its statement is not prepared", async () => {
    await listEvents(store, projectId, { search: "issue 7" });
    const searched = await inBothSessions(
      "SELECT 1 FROM pg_prepared_statements WHERE statement LIKE '%search_text LIKE%'",
    );
    expect(searched).toHaveLength(0);
  });
});
