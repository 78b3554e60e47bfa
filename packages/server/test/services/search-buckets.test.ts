import {
  countingQueries,
  explainingQueries,
  insertEventRows,
  newProjectOfRows,
  openTestStore,
  planNodes,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listEvents } from "../../src/services/index.js";
import { readSearchBuckets, SEQ_BUCKET } from "../../src/store/event-search.js";
import type { Row, Store } from "../../src/store/types.js";

/**
 * Forty events a seq bucket's third apart (seqs 1,000 … 586,000: buckets 0 to 8), every
 * fourth holding "zebra", then 600 newer events without it (bucket 9), so the newest events
 * sampled call "zebra" rare and its pages are looked for bucket by bucket. Rows are written
 * directly (a project of 600,000 appends would take minutes); reads need only the rows.
 */
const SPREAD = [
  ...Array.from({ length: 40 }, (_, k) => ({
    seq: 1_000 + k * 15_000,
    text: k % 4 === 0 ? `zebra ${k}` : `horse ${k}`,
  })),
  // Matches on both sides of where the first page's buckets end, newest first (6 × 65,536)
  // and oldest first (4 × 65,536).
  ...[4, 6].flatMap((edge) => [
    { seq: edge * 65_536 - 1, text: `zebra edge ${edge} below` },
    { seq: edge * 65_536, text: `zebra edge ${edge} at` },
  ]),
].sort((a, b) => a.seq - b.seq);
const NEWEST = Array.from({ length: 600 }, (_, n) => ({ seq: 600_001 + n, text: `filler ${n}` }));
const MATCHES = SPREAD.filter((row) => row.text.startsWith("zebra")).map((row) => row.seq);

/** Every page of `search` in `order`, `limit` at a time, then back again through `prev`. */
async function pagesBothWays(
  store: Store,
  projectId: string,
  order: "asc" | "desc",
  limit: number,
  search = "zebra",
): Promise<{ forward: number[][]; backward: number[][] }> {
  const forward: number[][] = [];
  let cursor: string | undefined;
  let prev: string | null = null;
  for (;;) {
    const page = await listEvents(store, projectId, { search }, { order, limit, cursor });
    forward.push(page.data.map((event) => event.seq));
    prev = page.prev_cursor;
    if (!page.has_more || !page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const backward: number[][] = [];
  while (prev) {
    const page = await listEvents(store, projectId, { search }, { order, limit, cursor: prev });
    if (page.data.length === 0) break;
    backward.unshift(page.data.map((event) => event.seq));
    prev = page.prev_cursor;
  }
  return { forward, backward };
}

describe.each(STORE_KINDS)("a rare search read bucket by bucket on %s", (kind) => {
  let t: TestStore;
  const projectId = `prj_buckets_${kind}`;

  beforeAll(async () => {
    t = await openTestStore(kind);
    await newProjectOfRows(t.store, projectId, [...SPREAD, ...NEWEST]);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a rare text is searched newest first, then the nearest buckets are asked first and every match comes once, in order, across their edge", async () => {
    const watched = countingQueries(t.store);
    const page = await listEvents(watched.store, projectId, { search: "zebra" }, { limit: 4 });
    const newestFirst = [...MATCHES].reverse();
    expect(page.data.map((event) => event.seq)).toEqual(newestFirst.slice(0, 4));
    // Buckets 9 to 6 hold four matches; the page's fifth row (has_more) lies past them.
    expect(MATCHES.filter((seq) => seq >= 6 * SEQ_BUCKET)).toHaveLength(4);
    expect(page.has_more).toBe(true);
    expect(watched.statements.some((sql) => sql.includes("generate_series"))).toBe(true);

    const { forward, backward } = await pagesBothWays(t.store, projectId, "desc", 3);
    expect(forward.flat()).toEqual(newestFirst);
    expect(backward).toEqual(forward.slice(0, -1));
  });

  it("when a rare text is searched oldest first, then the pages are the matches in seq order", async () => {
    const { forward } = await pagesBothWays(t.store, projectId, "asc", 4);
    expect(forward.flat()).toEqual(MATCHES);
  });

  it("when one page holds more matches than the buckets, then it is completed from past them", async () => {
    const page = await listEvents(t.store, projectId, { search: "zebra" }, { limit: 200 });
    expect(page.data.map((event) => event.seq)).toEqual([...MATCHES].reverse());
    expect(page.has_more).toBe(false);
  });

  it("when a text the newest events hold is searched, then it is not read bucket by bucket", async () => {
    const watched = countingQueries(t.store);
    const page = await listEvents(
      watched.store,
      projectId,
      { search: "filler 59" },
      {
        limit: 5,
      },
    );
    // "filler 59" and "filler 590" … "filler 599": 11 of the newest 500, not rare.
    expect(page.data.map((event) => event.seq)).toEqual([
      600_600, 600_599, 600_598, 600_597, 600_596,
    ]);
    expect(watched.statements.some((sql) => sql.includes("generate_series"))).toBe(false);
  });
});

/**
 * "lynx" in one event of every 50 of the newest 500 (common to the sample) and otherwise
 * in twelve events spread over 450,000 seqs: one person's burst of activity.
 */
const BURST = Array.from({ length: 500 }, (_, n) => ({
  seq: 600_001 + n,
  text: n % 50 === 0 ? `lynx burst ${n}` : `filler ${n}`,
}));
const SPREAD_OUT = Array.from({ length: 12 }, (_, k) => ({
  seq: 10_000 + k * 40_000,
  text: `lynx ${k}`,
}));
const LYNX = [...SPREAD_OUT, ...BURST]
  .filter((row) => row.text.startsWith("lynx"))
  .map((row) => row.seq);

describe.each(STORE_KINDS)("a search common only among the newest events on %s", (kind) => {
  let t: TestStore;
  const projectId = `prj_burst_${kind}`;

  beforeAll(async () => {
    t = await openTestStore(kind);
    await newProjectOfRows(t.store, projectId, [...SPREAD_OUT, ...BURST]);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when its page lies past the seqs a common text's page fills, then it is read as a rare one from there, every match once, in order", async () => {
    const watched = countingQueries(t.store);
    const page = await listEvents(watched.store, projectId, { search: "lynx" }, { limit: 15 });
    const newestFirst = [...LYNX].reverse();
    expect(page.data.map((event) => event.seq)).toEqual(newestFirst.slice(0, 15));
    expect(page.has_more).toBe(true);
    // The walk stopped at its window (10 matches), the buckets found the other five.
    expect(watched.statements.some((sql) => sql.includes("generate_series"))).toBe(true);

    for (const order of ["desc", "asc"] as const) {
      const { forward } = await pagesBothWays(t.store, projectId, order, 4, "lynx");
      expect(forward.flat()).toEqual(order === "desc" ? newestFirst : LYNX);
    }
  });

  it("when the oldest events were removed, then a common text is walked from the oldest kept event and its last pages ask no buckets", async () => {
    // Half of 600 events hold "otter", and none below seq 900,001 is kept (retention).
    const kept = `${projectId}_kept`;
    const rows = Array.from({ length: 600 }, (_, n) => ({
      seq: 900_001 + n,
      text: n % 2 === 0 ? `otter ${n}` : `heron ${n}`,
    }));
    await newProjectOfRows(t.store, kept, rows);
    const watched = countingQueries(t.store);
    const page = await listEvents(
      watched.store,
      kept,
      { search: "otter" },
      { order: "asc", limit: 10 },
    );
    const otters = rows.filter((row) => row.text.startsWith("otter")).map((row) => row.seq);
    expect(page.data.map((event) => event.seq)).toEqual(otters.slice(0, 10));
    // Paged to either end, the last page finds nothing kept past its window: no buckets.
    for (const order of ["asc", "desc"] as const) {
      const { forward } = await pagesBothWays(watched.store, kept, order, 40, "otter");
      expect(forward.flat()).toEqual(order === "asc" ? otters : [...otters].reverse());
    }
    expect(watched.statements.some((sql) => sql.includes("generate_series"))).toBe(false);
  });
});

describe.each(STORE_KINDS)("a bucket read down the primary key on %s", (kind) => {
  let t: TestStore;
  const projectId = `prj_partitions_${kind}`;
  // 5,000 events of bucket 0 received long ago (another partition), then 600 of bucket 1
  // received now, every third holding "zebra".
  const OLD = Array.from({ length: 5_000 }, (_, n) => ({ seq: 1 + n, text: `filler ${n}` }));
  const NEW = Array.from({ length: 600 }, (_, n) => ({
    seq: SEQ_BUCKET + n,
    text: n % 3 === 0 ? `zebra ${n}` : `horse ${n}`,
  }));

  beforeAll(async () => {
    t = await openTestStore(kind);
    await newProjectOfRows(t.store, projectId, NEW);
    await insertEventRows(t.store, projectId, OLD, "10 years");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the planner walks a bucket down the primary key, then a partition holding none of the bucket is not walked through", async () => {
    // The planner walks a text it deems common down the primary key, a merge of every
    // partition's walk; each partition's walk began with its first match, so the old
    // partition was read through all of its rows of the project for none (bench/FINDINGS.md
    // B55: 6.5–19 s for one bucket at 5 M events).
    let plans: Record<string, unknown>[] = [];
    let rows: Row[] = [];
    await t.store.transaction(async (tx) => {
      for (const method of ["bitmapscan", "seqscan", "sort"]) {
        await tx.query(`SET LOCAL enable_${method} = off`);
      }
      const reading = explainingQueries(tx, (sql) => sql.includes("generate_series"), "again");
      plans = reading.plans;
      const selection = { projectId, filters: { search: "zebra" }, scope: { kind: "events" } };
      const read = { ascending: false, limit: 11 };
      ({ rows } = await readSearchBuckets(reading.db, selection as never, read, 1));
    });
    const zebras = NEW.filter((row) => row.text.startsWith("zebra")).map((row) => row.seq);
    expect(rows.map((row) => Number(row.seq))).toEqual([...zebras].reverse().slice(0, 11));
    expect(plans).toHaveLength(1);
    const nodes = planNodes(plans[0] as Record<string, unknown>);
    expect(nodes.some((node) => String(node["Index Name"] ?? "").endsWith("_pkey"))).toBe(true);
    const removed = nodes.reduce(
      (sum, node) => sum + Number(node["Rows Removed by Filter"] ?? 0),
      0,
    );
    // The page's 11 matches lie among the newest 31 rows of bucket 1.
    expect(removed).toBeLessThan(NEW.length);
  });
});
