import {
  createTestDatabase,
  issueEvents,
  newProject,
  STORE_KINDS,
  type TestDatabase,
} from "@chronicle/test-kit";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { exportEvents, ingestEvents, listEvents } from "../../src/services/index.js";
import type { Store } from "../../src/store/index.js";

// node-postgres's result objects outlive the statement to the young generation's collector
// (bench/FINDINGS.md B53): rows a result still holds are promoted, so the store takes them
// and leaves each result empty.
describe.runIf(STORE_KINDS.includes("postgres"))("node-postgres results after a read", () => {
  let database: TestDatabase;
  let store: Store;
  let projectId: string;
  const results: pg.QueryResult[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("postgres", { migrated: true });
    store = await database.open();
    projectId = (await newProject(store)).projectId;
    await ingestEvents(store, projectId, issueEvents(30));
    const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === "function") {
        args[last] = (error: Error | undefined, result: pg.QueryResult) => {
          if (result) results.push(result);
          callback(error, result);
        };
        return query.apply(this, args);
      }
      const answer = query.apply(this, args);
      if (answer instanceof Promise) {
        return answer.then((result: pg.QueryResult) => {
          results.push(result);
          return result;
        });
      }
      return answer;
    } as typeof pg.Client.prototype.query);
  });
  afterEach(() => {
    results.length = 0;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await store?.close();
    await database?.drop();
  });

  it("when a page of events is listed, then every result it read from is left without rows or fields", async () => {
    const page = await listEvents(store, projectId, {}, { limit: 25 });
    expect(page.data).toHaveLength(25);
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) {
      expect(result.rows).toEqual([]);
      expect(result.fields).toEqual([]);
    }
  });

  it("when events are exported, then each page's result is left empty and every event arrives", async () => {
    const seqs: number[] = [];
    for await (const event of exportEvents(store, projectId, {}, { span: 7 })) {
      seqs.push(event.seq);
    }
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, n) => n + 1));
    expect(results.filter((result) => result.command === "SELECT").length).toBeGreaterThan(4);
    for (const result of results) expect(result.rows).toEqual([]);
  });
});
