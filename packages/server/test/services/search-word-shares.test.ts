import {
  issueEvents,
  newProjectWithEvents,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchPieces } from "../../src/services/events/search-pieces.js";
import type { Store } from "../../src/store/types.js";

const EVENTS = issueEvents(20, (n) => ({
  actor: { type: "user", id: `usr_00${n % 12}_${n % 5}` },
}));

/** `store` with every query's text recorded in `seen`. */
function recording(store: Store, seen: string[]): Store {
  return {
    kind: store.kind,
    root: store,
    query: (sql, params) => {
      seen.push(sql);
      return store.query(sql, params);
    },
    transaction: (fn) => store.transaction(fn),
    listen: (channel, onPayload, onReconnect) => store.listen(channel, onPayload, onReconnect),
    notify: (channel, payload) => store.notify(channel, payload),
    close: () => store.close(),
  };
}

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
    const seen: string[] = [];
    await searchPieces(recording(t.store, seen), mine, words("many", 60), 1_000);
    const likes = seen.join("\n").match(/ LIKE /g)?.length ?? 0;
    expect(likes).toBeGreaterThan(0);
    expect(likes).toBeLessThanOrEqual(8);
  });

  it("when another project searches thousands of distinct words, then this project's shares stay cached", async () => {
    const now = 2_000;
    expect(await searchPieces(t.store, mine, "usr_004_3", now)).toEqual(["_004_3"]);
    for (let n = 0; n < 70; n++) {
      await searchPieces(t.store, theirs, words(`f${n}x`, 60), now);
    }
    const seen: string[] = [];
    expect(await searchPieces(recording(t.store, seen), mine, "usr_004_3", now)).toEqual([
      "_004_3",
    ]);
    expect(seen).toEqual([]);
  });
});
