import {
  countingQueries,
  issueEvents,
  newProjectWithEvents,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchPlan } from "../../src/services/events/search-pieces.js";

const EVENTS = issueEvents(20, (n) => ({
  actor: { type: "user", id: `usr_00${n % 12}_${n % 5}` },
}));

/** `count` distinct words of letters only, unlike any event's text. */
function words(prefix: string, count: number): string {
  return Array.from({ length: count }, (_, n) => `${prefix}${n.toString(36)}q`).join(" ");
}

describe.each(STORE_KINDS)("the search's word-share sample on %s", (kind) => {
  let t: TestStore;
  let mine: string;
  let theirs: string;

  beforeAll(async () => {
    t = await openTestStore(kind);
    mine = (await newProjectWithEvents(t.store, EVENTS)).projectId;
    theirs = (await newProjectWithEvents(t.store, EVENTS)).projectId;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a search holds many distinct words, then only a few are sampled (each is a LIKE over the newest events)", async () => {
    const watched = countingQueries(t.store);
    await searchPlan(watched.store, mine, words("many", 60), 1_000);
    const likes = watched.statements.join("\n").match(/ LIKE /g)?.length ?? 0;
    expect(likes).toBeGreaterThan(0);
    expect(likes).toBeLessThanOrEqual(8);
  });

  it("when another project searches thousands of distinct words, then this project's shares stay cached", async () => {
    const now = 2_000;
    expect((await searchPlan(t.store, mine, "usr_004_3", now)).pieces).toEqual(["004_3"]);
    for (let n = 0; n < 70; n++) {
      await searchPlan(t.store, theirs, words(`f${n}x`, 60), now);
    }
    const watched = countingQueries(t.store);
    expect((await searchPlan(watched.store, mine, "usr_004_3", now)).pieces).toEqual(["004_3"]);
    expect(watched.statements).toEqual([]);
  });
});
