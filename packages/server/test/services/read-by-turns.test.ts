import {
  type EventRow,
  explainingQueries,
  newProjectOfRows,
  openTestStore,
  rowsScanned,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import type { Event } from "@chronicle/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventFilters, Page } from "../../src/domain/index.js";
import { listEvents } from "../../src/services/index.js";
import type { Store } from "../../src/store/types.js";

/**
 * Pages whose matches lie far from the cursor, read by turns of a walk down seq and a count
 * of the matches past it (services/events/events-read.ts, readByTurns). Rows are written
 * directly: projects of 46,000 appends would take minutes.
 */

const MINUTE = 60_000;
const RECENT = Date.parse("2026-01-10T00:00:00Z");
const seqs = (events: Event[]) => events.map((event) => event.seq);

/**
 * The first page of `filters`, with the rows its statements scanned, under the plan a large
 * project's statistics lead the planner to (a walk down the primary key, the filters' own
 * indexes for the rest); a small table's lead it to scan or sort instead, so that is made
 * its choice.
 */
async function firstPageScanned(
  store: Store,
  projectId: string,
  filters: EventFilters,
): Promise<{ page: Page<Event>; scanned: number }> {
  let result: { page: Page<Event>; scanned: number } | undefined;
  await store.transaction(async (tx) => {
    for (const method of ["bitmapscan", "seqscan"]) {
      // Bitmap scans stay allowed where the index is GIN (its only way to be read).
      if (method === "bitmapscan" && (filters.changed_field ?? filters.q) !== undefined) continue;
      await tx.query(`SET LOCAL enable_${method} = off`);
    }
    // A read in seq order walks down the primary key; a pick (`ORDER BY seq + 0`) sorts what
    // the filters' own indexes find.
    const query = async (sql: string, params?: readonly unknown[]) => {
      await tx.query(`SET LOCAL enable_sort = ${sql.includes("seq + 0") ? "on" : "off"}`);
      return tx.query(sql, params);
    };
    const inTransaction = Object.create(store, { query: { value: query } }) as Store;
    const { db, plans } = explainingQueries(
      inTransaction,
      (sql) => sql.includes("FROM events"),
      "again",
    );
    const page = await listEvents(db, projectId, filters, { limit: 50 });
    result = { page, scanned: rowsScanned(plans) };
  });
  if (!result) throw new Error("no page");
  return result;
}

/** The seqs of `filters`' pages in `order`, 200 at a time, up to `pages` pages. */
async function pagesOf(
  store: Store,
  projectId: string,
  filters: EventFilters,
  order: "asc" | "desc",
  pages = Number.POSITIVE_INFINITY,
): Promise<number[]> {
  const read: number[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < pages; n++) {
    const page = await listEvents(store, projectId, filters, { order, limit: 200, cursor });
    read.push(...seqs(page.data));
    if (!page.has_more || !page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return read;
}

/**
 * 6,000 events of 2020 (seqs 1 … 6,000), then 40,000 of 2026, a few of which still carry a
 * 2020 clock (every 4,999th).
 */
const OLD_WINDOW: EventRow[] = [
  ...Array.from({ length: 6_000 }, (_, n) => ({
    seq: n + 1,
    occurredAt: Date.parse("2020-01-01T00:00:00Z") + ((n * 7919) % 6_000) * MINUTE,
  })),
  ...Array.from({ length: 40_000 }, (_, n) => ({
    seq: 6_001 + n,
    occurredAt:
      n % 4_999 === 0 ? Date.parse("2020-03-01T00:00:00Z") + n : RECENT + (n % 1_000) * MINUTE,
  })),
];
const BEFORE_2021 = OLD_WINDOW.filter(
  (row) => (row.occurredAt as number) < Date.parse("2021-01-01T00:00:00Z"),
).map((row) => row.seq);
/** Every third event holds "zebra" and its seq; every other one "horse". */
const textOf = (seq: number) => (seq % 3 === 0 ? `zebra ${seq}` : "horse");
const ZEBRAS_BEFORE_2021 = BEFORE_2021.filter((seq) => seq % 3 === 0);

/**
 * 40,000 events that changed `ttl` (and every 3,001st `owner`), then 6,000 newer ones that
 * changed nothing.
 */
const OLD_FIELD: EventRow[] = Array.from({ length: 46_000 }, (_, n) => ({
  seq: n + 1,
  occurredAt: RECENT + n * 1000,
  changed: n >= 40_000 ? [] : n % 3_001 === 0 ? ["ttl", "owner"] : ["ttl"],
}));
const changedSeqs = (field: string) =>
  OLD_FIELD.filter((row) => row.changed?.includes(field)).map((row) => row.seq);

describe.each(STORE_KINDS)("reads by turns on %s", (kind) => {
  let t: TestStore;
  const windowProject = `prj_old_window_${kind}`;
  const fieldProject = `prj_old_field_${kind}`;

  beforeAll(async () => {
    t = await openTestStore(kind);
    await newProjectOfRows(
      t.store,
      windowProject,
      OLD_WINDOW.map((row) => ({ ...row, text: textOf(row.seq) })),
    );
    await newProjectOfRows(t.store, fieldProject, OLD_FIELD);
    // Statistics of both projects, as a large project's would be. Autovacuum may otherwise
    // have sampled the partition between the two inserts: its statistics then hold one
    // project alone, the other's rows look like none, and the planner reads them through a
    // btree on project_id, filtering every row, instead of the GIN index (271,001 rows).
    await t.store.query("ANALYZE events");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a wide time window lies behind many newer events, then its page reads fewer rows than lie between", async () => {
    // A plain walk down seq read all 40,000 newer events to reach the window's first page
    // (bench/FINDINGS.md B55: 2.8 s at 5 M events).
    const filters = { end_time: "2021-01-01T00:00:00.000Z" };
    const { page, scanned } = await firstPageScanned(t.store, windowProject, filters);
    expect(seqs(page.data)).toEqual([...BEFORE_2021].reverse().slice(0, 50));
    expect(scanned).toBeLessThan(30_000);
  });

  it("when a wide time window is paged in either order, then every event of it comes once, in order", async () => {
    const filters = { end_time: "2021-01-01T00:00:00.000Z" };
    expect(await pagesOf(t.store, windowProject, filters, "desc")).toEqual(
      [...BEFORE_2021].reverse(),
    );
    expect(await pagesOf(t.store, windowProject, filters, "asc")).toEqual(BEFORE_2021);
  });

  it("when a search is narrowed by a time window behind many newer events, then its page reads fewer rows than lie between", async () => {
    // The text was tested on the window's 2,000 events nearest the cursor, found by a walk
    // down the primary key past every newer event (B55: out of the read budget at 5 M).
    const filters = { end_time: "2021-01-01T00:00:00.000Z", search: "zebra" };
    const { page, scanned } = await firstPageScanned(t.store, windowProject, filters);
    expect(seqs(page.data)).toEqual([...ZEBRAS_BEFORE_2021].reverse().slice(0, 50));
    expect(scanned).toBeLessThan(30_000);
    expect(await pagesOf(t.store, windowProject, filters, "desc")).toEqual(
      [...ZEBRAS_BEFORE_2021].reverse(),
    );
    expect(await pagesOf(t.store, windowProject, filters, "asc")).toEqual(ZEBRAS_BEFORE_2021);
  });

  it("when a changed field common in older events is missing from the newest, then its page reads fewer rows than it has matches", async () => {
    // Past a walk of the nearest 5,000 seqs, every match was picked and sorted (40,000 here;
    // B55: 0.7 s for `ttl` at 5 M events). Now the matches past the walk are counted up to
    // 20,000, and being more, the next walk finds the page.
    const { page, scanned } = await firstPageScanned(t.store, fieldProject, {
      changed_field: "ttl",
    });
    expect(seqs(page.data)).toEqual([...changedSeqs("ttl")].reverse().slice(0, 50));
    expect(scanned).toBeLessThan(35_000);
  });

  it("when a changed field is paged in either order, then every event that changed it comes once, in order", async () => {
    const owner = changedSeqs("owner");
    expect(await pagesOf(t.store, fieldProject, { changed_field: "owner" }, "desc")).toEqual(
      [...owner].reverse(),
    );
    expect(await pagesOf(t.store, fieldProject, { changed_field: "owner" }, "asc")).toEqual(owner);
    // `ttl`'s first pages each way (40,000 matches: 200 pages): past the turns, into its run.
    const ttl = changedSeqs("ttl");
    expect(await pagesOf(t.store, fieldProject, { changed_field: "ttl" }, "desc", 4)).toEqual(
      [...ttl].reverse().slice(0, 800),
    );
    expect(await pagesOf(t.store, fieldProject, { changed_field: "ttl" }, "asc", 2)).toEqual(
      ttl.slice(0, 400),
    );
  });

  it("when a q= OR of indexed conditions matches only older events, then its page reads fewer rows than lie between", async () => {
    // No index hands the OR's matches over in seq order: the walk down seq read all 46,000
    // events (3.8 s at 5 M). Now a walk of the nearest 5,000 seqs, then past them each side
    // read as a changed field alone is (its own walk, then its GIN lookup counts the rest).
    const q = "changed:owner OR changed:nothing";
    const { page, scanned } = await firstPageScanned(t.store, fieldProject, { q });
    expect(seqs(page.data)).toEqual([...changedSeqs("owner")].reverse());
    expect(scanned).toBeLessThan(20_000);
    const owner = changedSeqs("owner");
    expect(await pagesOf(t.store, fieldProject, { q }, "desc")).toEqual([...owner].reverse());
    expect(await pagesOf(t.store, fieldProject, { q }, "asc")).toEqual(owner);
    // With a negation beside it (each side AND-ed with it): the same events.
    const besides = `(${q}) -actor_type:agent`;
    // (Each side first tests the 2,000 events nearest the cursor that the negation keeps.)
    expect((await firstPageScanned(t.store, fieldProject, { q: besides })).scanned).toBeLessThan(
      30_000,
    );
    expect(await pagesOf(t.store, fieldProject, { q: besides }, "desc")).toEqual(
      [...owner].reverse(),
    );
    // Common on the other side of the walk: its first pages each way, in order, once.
    const either = "changed:owner OR changed:ttl";
    const ttl = changedSeqs("ttl");
    expect(await pagesOf(t.store, fieldProject, { q: either }, "desc", 3)).toEqual(
      [...ttl].reverse().slice(0, 600),
    );
    expect(await pagesOf(t.store, fieldProject, { q: either }, "asc", 2)).toEqual(
      ttl.slice(0, 400),
    );
  });

  it("when a q= OR's side is an old time window, then its pages are the window's events and the other side's, each once, in order", async () => {
    // Sides read as a time window by turns and as a changed field by turns, merged.
    const q = "created:<2021-01-01 OR changed:nothing";
    const { page, scanned } = await firstPageScanned(t.store, windowProject, { q });
    expect(seqs(page.data)).toEqual([...BEFORE_2021].reverse().slice(0, 50));
    // A walk down seq passed the 40,000 newer events first.
    expect(scanned).toBeLessThan(30_000);
    expect(await pagesOf(t.store, windowProject, { q }, "desc")).toEqual(
      [...BEFORE_2021].reverse(),
    );
    expect(await pagesOf(t.store, windowProject, { q }, "asc")).toEqual(BEFORE_2021);
  });
});
