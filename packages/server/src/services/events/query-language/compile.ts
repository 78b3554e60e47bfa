import type { EventFilters } from "../../../domain/types.js";
import type { SelectionCondition, ValueFilter } from "../../../store/event-selection.js";
import { parseQuery, type QueryNode } from "./parser.js";
import { termCondition } from "./qualifiers.js";

function conditionOf(query: string, node: QueryNode): SelectionCondition {
  switch (node.kind) {
    case "term":
      return termCondition(query, node);
    case "not":
      return { kind: "not", condition: conditionOf(query, node.node) };
    default:
      return { kind: node.kind, conditions: node.nodes.map((part) => conditionOf(query, part)) };
  }
}

/** A condition's top-level AND, flattened. */
export function conjuncts(condition: SelectionCondition): SelectionCondition[] {
  return condition.kind === "and" ? condition.conditions.flatMap(conjuncts) : [condition];
}

/** The filters a conjunct can become: one a filter parameter states alike, not set yet. */
function foldInto(filters: EventFilters, condition: SelectionCondition): boolean {
  if (condition.kind !== "predicate") return false;
  const { predicate } = condition;
  if (predicate.filter === "actor_or_on_behalf") return false;
  if (predicate.filter === "action") {
    if (filters.action !== undefined) return false;
    filters.action = [...predicate.values];
    return true;
  }
  if (predicate.filter === "actor_id" && filters.include_on_behalf === true) return false;
  if (filters[predicate.filter] !== undefined) return false;
  // A value filter's value is a string; actor_type's was checked against the enum when read.
  (filters as Record<ValueFilter, string | undefined>)[predicate.filter] = predicate.value;
  return true;
}

/**
 * A `q=` query compiled onto the filters: the top-level AND of plain qualifiers becomes the
 * filter parameters they stand for (so `q=actor:usr_1` is read exactly as `actor_id=usr_1`,
 * by the same plan and index), and what only the language can say (OR, negation, a key
 * given twice) stays a condition over the same predicates. Throws `400 invalid_parameter`
 * with the character at fault.
 */
export function compileQuery(
  query: string,
  filters: EventFilters,
): { filters: EventFilters; condition?: SelectionCondition } {
  return foldOnto(filters, conditionOf(query, parseQuery(query)));
}

/**
 * `condition` AND-ed with `filters`: its top-level plain qualifiers folded into the filters
 * they stand for, the rest kept as a condition (compileQuery).
 */
export function foldOnto(
  filters: EventFilters,
  condition: SelectionCondition,
): { filters: EventFilters; condition?: SelectionCondition } {
  const folded: EventFilters = { ...filters };
  const rest = conjuncts(condition).filter((part) => !foldInto(folded, part));
  if (rest.length === 0) return { filters: folded };
  return {
    filters: folded,
    condition:
      rest.length === 1 ? (rest[0] as SelectionCondition) : { kind: "and", conditions: rest },
  };
}
