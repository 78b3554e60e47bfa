import {
  issueEvents,
  newProjectWithEvents,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listEvents } from "../../src/services/index.js";
import { queryTooExpensive } from "../../src/store/read-budget.js";
import type { Store } from "../../src/store/types.js";

/** The store with its event reads' counts running over the read budget (and nothing else). */
function countsOverBudget(store: Store): Store {
  const reads = store.reads ?? store;
  const faulty: Store = {
    ...store,
    root: store,
    reads: {
      ...reads,
      root: store,
      query: (sql, params) =>
        /^SELECT count\(\*\) AS n FROM events/.test(sql)
          ? Promise.reject(queryTooExpensive(10_000))
          : reads.query(sql, params),
    },
  };
  return faulty;
}

describe.each(STORE_KINDS)("include_total over the read budget (%s)", (kind) => {
  let t: TestStore;
  let projectId: string;
  beforeAll(async () => {
    t = await openTestStore(kind);
    ({ projectId } = await newProjectWithEvents(t.store, issueEvents(30)));
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the count runs over the budget, then the page is served without total", async () => {
    const counted = await listEvents(t.store, projectId, {}, { limit: 5, includeTotal: true });
    expect(counted.total).toBe(30);
    const page = await listEvents(
      countsOverBudget(t.store),
      projectId,
      {},
      {
        limit: 5,
        includeTotal: true,
      },
    );
    expect(page.data.map((event) => event.seq)).toEqual([30, 29, 28, 27, 26]);
    expect(page).not.toHaveProperty("total");
  });
});
