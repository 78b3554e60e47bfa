import type { EventSelection, SelectionCondition } from "../../../store/event-selection.js";
import { conjuncts, foldOnto } from "./compile.js";
import { MAX_TERMS } from "./parser.js";

/**
 * Most selections one `q=` is read as: any OR of terms a query may hold, but not the product
 * of several (`(a OR b) (c OR d) …` comes to 2^k), which is read whole.
 */
const MAX_SIDES = MAX_TERMS;

/**
 * Whether a side's events are found by a read of its own: an index that answers it (a
 * negation has none). Not a text: each is sampled and read bucket by bucket (search-pieces.ts),
 * tens of milliseconds a side, where one walk tests every text of the OR on each row.
 */
function hasOwnRead(condition: SelectionCondition): boolean {
  switch (condition.kind) {
    case "predicate":
      return condition.predicate.filter !== "search";
    case "not":
      return false;
    case "and":
      return condition.conditions.some(hasOwnRead);
    default:
      return condition.conditions.length > 0 && condition.conditions.every(hasOwnRead);
  }
}

/** An OR that is read side by side: two sides or more, each with a read of its own. */
function isSplit(condition: SelectionCondition): condition is {
  kind: "or";
  conditions: readonly SelectionCondition[];
} {
  return condition.kind === "or" && condition.conditions.length > 1 && hasOwnRead(condition);
}

/** How many selections `condition` comes to when every OR it is read through is split. */
function sidesOf(condition: SelectionCondition): number {
  if (isSplit(condition)) return condition.conditions.reduce((sum, c) => sum + sidesOf(c), 0);
  if (condition.kind === "and") return condition.conditions.reduce((n, c) => n * sidesOf(c), 1);
  return 1;
}

/**
 * The selections whose union is `selection`, one per side of the first OR among its `q=`'s
 * top-level conditions, each side AND-ed with the rest and its plain qualifiers folded into
 * filters (compileQuery); undefined when there is no such OR, a side has no read of its own
 * (a negation, a text), or the query comes to more than MAX_SIDES selections. No index
 * hands an OR's matches over in seq order, so a page of one was a walk down seq past every
 * event that matched neither side; each side alone has its index's read.
 */
export function disjunctionSides(selection: EventSelection): EventSelection[] | undefined {
  const { query } = selection;
  if (query === undefined) return undefined;
  const parts = conjuncts(query);
  const at = parts.findIndex(isSplit);
  if (at < 0 || sidesOf(query) > MAX_SIDES) return undefined;
  const split = parts[at] as SelectionCondition & { conditions: readonly SelectionCondition[] };
  const rest = parts.filter((_, index) => index !== at);
  return split.conditions.map((side) => {
    const { filters, condition } = foldOnto(selection.filters, {
      kind: "and",
      conditions: [...rest, side],
    });
    const { query: _whole, searchPieces: _pieces, ...others } = selection;
    return condition === undefined
      ? { ...others, filters }
      : { ...others, filters, query: condition };
  });
}
