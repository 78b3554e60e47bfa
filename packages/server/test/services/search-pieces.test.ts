import {
  collect,
  issueEvents,
  newProjectWithEvents,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import type { Event } from "@chronicle/types";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchPlan } from "../../src/services/events/search-pieces.js";
import { searchText } from "../../src/services/events/search-text.js";
import { exportEvents, listEvents } from "../../src/services/index.js";

/** Every event's actor is `usr_<team>_<n>`: `usr` is in all of them, a team's id in a few. */
const EVENTS = issueEvents(60, (n) => ({
  actor: { type: "user", id: `usr_00${n % 12}_${n % 5}`, name: n === 7 ? "Ünïcode Ωmega" : "Ada" },
  summary: n === 9 ? "50% off_the usr_004_x list" : `Issue ${n} created`,
}));

const SEARCHES = [
  "usr_004_3",
  "USR_004_3",
  "usr_0011_1",
  "usr_004",
  "usr_00",
  "usr",
  "_004_",
  "004_3 iss",
  "50% off_the",
  "off\\the",
  "Ωmega",
  "ünïcode ωmega",
  "usr_004_x list",
  "usr_004 list",
  "x list",
  "usr_𝔸𝔹_004",
];

describe.each(STORE_KINDS)("searching through the common words' pieces on %s", (kind) => {
  let t: TestStore;
  let projectId: string;
  let all: Event[];

  beforeAll(async () => {
    t = await openTestStore(kind);
    projectId = (await newProjectWithEvents(t.store, EVENTS)).projectId;
    all = (await listEvents(t.store, projectId, {}, { limit: 200 })).data;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a search holds a word most events hold and two others, then the index is asked for each other long word alone, a short one with its long neighbour", async () => {
    expect((await searchPlan(t.store, projectId, "usr_004_3")).pieces).toEqual(["004_3"]);
    expect((await searchPlan(t.store, projectId, "usr_004 list")).pieces).toEqual(["004", "list"]);
    expect((await searchPlan(t.store, projectId, "usr_004_x list")).pieces).toEqual([
      "004",
      "x list",
    ]);
    // Two characters outside the BMP are four UTF-16 units but a short word all the same.
    expect((await searchPlan(t.store, projectId, "usr_𝔸𝔹_004")).pieces).toEqual(["𝔸𝔹_004"]);
    // Short words only: one piece with its separators, which give its trigrams.
    expect((await searchPlan(t.store, projectId, "Issue 4 usr_004_3")).pieces).toEqual([
      " 4 ",
      "004_3",
    ]);
    // One word left, or no common word: the whole text.
    expect((await searchPlan(t.store, projectId, "usr_004")).pieces).toBeUndefined();
    expect((await searchPlan(t.store, projectId, "iss-4 ada")).pieces).toBeUndefined();
    expect((await searchPlan(t.store, projectId, "usr")).pieces).toBeUndefined();
  });

  it("when searching with or without pieces, then every page holds exactly the events whose text contains the search", async () => {
    for (const search of SEARCHES) {
      const expected = all
        .filter((event) => searchText(event).includes(search.toLowerCase()))
        .map((event) => event.seq);
      const seen: number[] = [];
      let cursor: string | undefined;
      for (let n = 0; n < 20; n++) {
        const page = await listEvents(
          t.store,
          projectId,
          { search },
          cursor ? { limit: 4, cursor } : { limit: 4 },
        );
        seen.push(...page.data.map((event) => event.seq));
        if (!page.has_more || !page.next_cursor) break;
        cursor = page.next_cursor;
      }
      expect({ search, seqs: seen }).toEqual({ search, seqs: expected });
    }
  });
});

/**
 * A project large enough that a text a few events hold is rare in the sample (at most 1 %),
 * so its page is read through the trigram index with the pieces, not walked.
 */
const MANY = issueEvents(400, (n) => ({
  actor: { type: "user", id: `usr_00${n % 40}_${n % 7}`, name: n % 3 === 0 ? "Ada" : "Grace" },
  summary: `Issue ${n} created in sprint_${n % 9} for ws_${n % 11}`,
}));

describe.each(STORE_KINDS)("searching any stretch of an event's text on %s", (kind) => {
  let t: TestStore;
  let projectId: string;
  let newestFirst: { seq: number; text: string }[];

  beforeAll(async () => {
    t = await openTestStore(kind);
    projectId = (await newProjectWithEvents(t.store, MANY)).projectId;
    const events = await collect(exportEvents(t.store, projectId, {}));
    newestFirst = events.reverse().map((event) => ({ seq: event.seq, text: searchText(event) }));
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a search is any stretch of an event's text, then its first page is exactly the newest events whose text contains it", async () => {
    const stretch = fc
      .record({
        text: fc.constantFrom(...newestFirst.map((event) => event.text)),
        start: fc.nat({ max: 300 }),
        length: fc.integer({ min: 3, max: 40 }),
      })
      .map(({ text, start, length }) => {
        const from = start % text.length;
        return text.slice(from, from + length);
      })
      .filter((search) => search.trim().length > 0);
    await fc.assert(
      fc.asyncProperty(stretch, async (search) => {
        const expected = newestFirst
          .filter((event) => event.text.includes(search))
          .slice(0, 20)
          .map((event) => event.seq);
        const page = await listEvents(t.store, projectId, { search }, { limit: 20 });
        expect({ search, seqs: page.data.map((event) => event.seq) }).toEqual({
          search,
          seqs: expected,
        });
      }),
      { numRuns: 80 },
    );
  });
});
