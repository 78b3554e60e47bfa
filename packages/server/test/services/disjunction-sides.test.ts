import { describe, expect, it } from "vitest";
import { selectionOf } from "../../src/services/events/event-filters.js";
import { disjunctionSides } from "../../src/services/events/query-language/index.js";

/** How a `q=` OR is split into selections read side by side (events-read.ts, readUnion). */
const sidesOf = (q: string, filters = {}) =>
  disjunctionSides(selectionOf("prj_1", { ...filters, q }, { kind: "events" }));
/** Each side's filters (`q` is carried as it came and not read). */
const filtersOf = (q: string, filters = {}) =>
  sidesOf(q, filters)?.map(({ filters: { q: _q, ...rest } }) => rest);

describe("disjunctionSides", () => {
  it("when a q= is an OR of qualifiers, then each side is the filters its qualifier stands for", () => {
    expect(filtersOf("changed:status OR actor:usr_1", { workspace_id: "ws_1" })).toEqual([
      { workspace_id: "ws_1", changed_field: "status" },
      { workspace_id: "ws_1", actor_id: "usr_1" },
    ]);
  });

  it("when the OR has conditions beside it, then each side keeps them", () => {
    const q = "(changed:status OR changed:ttl) -actor_type:agent action:issue.*";
    const sides = sidesOf(q);
    expect(filtersOf(q)).toEqual([
      { action: ["issue.*"], changed_field: "status" },
      { action: ["issue.*"], changed_field: "ttl" },
    ]);
    for (const side of sides ?? []) expect(side.query).toMatchObject({ kind: "not" });
  });

  it("when a side is a negation or a text, or there is no OR, then the query is read whole", () => {
    expect(sidesOf("changed:status OR -actor:usr_1")).toBeUndefined();
    expect(sidesOf("changed:status OR linus")).toBeUndefined();
    expect(sidesOf("-(changed:status OR actor:usr_1)")).toBeUndefined();
    expect(sidesOf("changed:status -actor:usr_1")).toBeUndefined();
  });

  it("when the ORs come to more sides than a query may have terms, then the query is read whole", () => {
    const flat = Array.from({ length: 50 }, (_, n) => `actor:usr_${n}`).join(" OR ");
    expect(sidesOf(flat)).toHaveLength(50);
    const pairs = (count: number) =>
      Array.from({ length: count }, (_, n) => `(actor:a${n} OR changed:f${n})`).join(" ");
    expect(sidesOf(pairs(5))).toHaveLength(2);
    // 2^6 = 64 selections.
    expect(sidesOf(pairs(6))).toBeUndefined();
  });
});
