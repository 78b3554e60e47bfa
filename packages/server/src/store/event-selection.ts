import type { EventFilters } from "../domain/types.js";

/**
 * Which events a read selects, with the service's rules already applied: the times are
 * checked RFC 3339 instants (services/events/event-filters.ts), a target scope is the key
 * the append stored (services/events/event-prepare.ts, targetKeys), and a `q=` query is
 * compiled to `query` (services/events/query-language/), so `filters.q` is not read here.
 */
export interface EventSelection {
  projectId: string;
  filters: EventFilters;
  scope: SelectionScope;
  /** Any of these actor types (a log stream's filter; reads through the API have actor_type). */
  actorTypes?: string[];
  /** A condition over the filters' predicates, AND-ed with the filters (a `q=` query). */
  query?: SelectionCondition;
  /**
   * Substrings of `filters.search` the trigram index is asked for instead of the whole text
   * (services/events/search-pieces.ts); the whole text is still tested on every row. Empty:
   * nothing is asked of the index, the text is only tested on the rows read (a walk down seq).
   */
  searchPieces?: readonly string[];
}

export type SelectionScope =
  | { kind: "events" }
  | { kind: "target"; key: string }
  | { kind: "workspace"; id: string };

/** The filters that compare one value, each served by its own index (migrations 0001, 0010). */
export type ValueFilter =
  | "actor_id"
  | "actor_type"
  | "target_type"
  | "target_id"
  | "workspace_id"
  | "outcome"
  | "correlation_id"
  | "trace_id"
  | "ip_address"
  | "on_behalf_of_id"
  | "changed_field"
  | "search"
  | "start_time"
  | "end_time";

/** One filter's test: what a filter parameter and a `q=` qualifier both become. */
export type SelectionPredicate =
  | { filter: ValueFilter; value: string }
  /** Any of these exact actions, `prefix.*` or `*.verb`. */
  | { filter: "action"; values: readonly string[] }
  /** The actor or the principal it acted for (`actor_id` with `include_on_behalf`). */
  | { filter: "actor_or_on_behalf"; value: string };

export type SelectionCondition =
  | { kind: "predicate"; predicate: SelectionPredicate }
  | { kind: "and" | "or"; conditions: readonly SelectionCondition[] }
  | { kind: "not"; condition: SelectionCondition };

const ACTION_PREFIX = /^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.\*$/;
const ACTION_VERB = /^\*\.([a-z][a-z0-9_]*)$/;

/** Collects positional parameters while conditions are written. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * The indexed columns and expressions (migrations 0001, 0010, 0011): a condition must spell
 * an expression exactly as its index does for the planner to use it.
 */
const COLUMN_OF: Record<
  Exclude<ValueFilter, "changed_field" | "search" | `${string}_time`>,
  string
> = {
  actor_id: "actor_id",
  actor_type: "actor_type",
  target_type: "target_type",
  target_id: "target_id",
  workspace_id: "workspace_id",
  outcome: "outcome",
  correlation_id: "correlation_id",
  trace_id: "(context->>'trace_id')",
  ip_address: "(context->>'ip_address')",
  on_behalf_of_id: "(on_behalf_of->>'id')",
};

/**
 * `issue.*` becomes the range action >= 'issue.' AND action < 'issue/' (the column is
 * COLLATE "C", so the btree on (project_id, action, seq) answers it); `*.deleted` compares
 * the last segment, which the btree on (project_id, split_part(action, '.', -1), seq) holds.
 */
function actionSql(values: readonly string[], params: SqlParams): string {
  const exact: string[] = [];
  const verbs: string[] = [];
  const ranges: string[] = [];
  for (const action of values) {
    const prefix = ACTION_PREFIX.exec(action)?.[1];
    const verb = ACTION_VERB.exec(action)?.[1];
    if (prefix !== undefined) {
      ranges.push(
        `(action >= ${params.add(`${prefix}.`)} AND action < ${params.add(`${prefix}/`)})`,
      );
    } else if (verb !== undefined) verbs.push(verb);
    else exact.push(action);
  }
  // One value is compared with `=`, not `= ANY`: only then does the (project_id, action, seq)
  // index hand rows over in seq order, so a page reads 51 entries instead of sorting all.
  if (verbs.length === 1) ranges.unshift(`split_part(action, '.', -1) = ${params.add(verbs[0])}`);
  else if (verbs.length > 0) {
    ranges.unshift(`split_part(action, '.', -1) = ANY(${params.add(verbs)}::text[])`);
  }
  if (exact.length === 1) ranges.unshift(`action = ${params.add(exact[0])}`);
  else if (exact.length > 0) ranges.unshift(`action = ANY(${params.add(exact)}::text[])`);
  if (ranges.length === 0) return "false";
  return ranges.length === 1 ? (ranges[0] as string) : `(${ranges.join(" OR ")})`;
}

/** The SQL of one predicate: the same for a filter parameter and a `q=` qualifier. */
export function predicateSql(predicate: SelectionPredicate, params: SqlParams): string {
  switch (predicate.filter) {
    case "action":
      return actionSql(predicate.values, params);
    case "actor_or_on_behalf": {
      const id = params.add(predicate.value);
      return `(actor_id = ${id} OR (on_behalf_of->>'id') = ${id})`;
    }
    case "search":
      return `search_text LIKE ${params.add(containsPattern(predicate.value))}`;
    case "start_time":
      return `occurred_at >= ${params.add(predicate.value)}::timestamptz`;
    case "end_time":
      return `occurred_at < ${params.add(predicate.value)}::timestamptz`;
    case "changed_field":
      return `changed_fields @> ARRAY[${params.add(predicate.value)}]::text[]`;
    default:
      return `${COLUMN_OF[predicate.filter]} = ${params.add(predicate.value)}`;
  }
}

/**
 * The SQL of a condition. A negation holds where its condition is false or unknown (an
 * event without a workspace is one `-workspace:ws_1` keeps).
 */
export function conditionSql(condition: SelectionCondition, params: SqlParams): string {
  switch (condition.kind) {
    case "predicate":
      return predicateSql(condition.predicate, params);
    case "not":
      return `(${conditionSql(condition.condition, params)}) IS NOT TRUE`;
    default: {
      const parts = condition.conditions.map((part) => conditionSql(part, params));
      if (parts.length === 0) return condition.kind === "and" ? "true" : "false";
      return `(${parts.join(condition.kind === "and" ? " AND " : " OR ")})`;
    }
  }
}

const VALUE_FILTERS: readonly ValueFilter[] = [
  "actor_type",
  "target_type",
  "target_id",
  "workspace_id",
  "outcome",
  "correlation_id",
  "trace_id",
  "ip_address",
  "on_behalf_of_id",
  "search",
  "start_time",
  "end_time",
  "changed_field",
];

/** The filters as predicates, AND-ed (`include_on_behalf` widens `actor_id`). */
export function filterPredicates(filters: EventFilters): SelectionPredicate[] {
  const predicates: SelectionPredicate[] = [];
  if (filters.action && filters.action.length > 0) {
    predicates.push({ filter: "action", values: filters.action });
  }
  if (filters.actor_id !== undefined) {
    predicates.push({
      filter: filters.include_on_behalf === true ? "actor_or_on_behalf" : "actor_id",
      value: filters.actor_id,
    });
  }
  for (const filter of VALUE_FILTERS) {
    const value = filters[filter];
    if (value === undefined || value === "") continue;
    predicates.push({ filter, value });
  }
  return predicates;
}

/** A `%text%` LIKE pattern: the search's substring match. */
export function containsPattern(text: string): string {
  return `%${escapeLike(text.toLowerCase())}%`;
}

/**
 * The search text tested whole on each row (`search_text || ''` is the same text, but not the
 * indexed expression, so the planner does not hand its trigrams to the index), and each
 * piece looked up in the trigram index. Every piece is a substring of the text, so a row
 * holding the text holds every piece: the rows are exactly the plain LIKE's.
 */
function searchByPiecesSql(text: string, pieces: readonly string[], params: SqlParams): string {
  const indexed = pieces.map((piece) => `search_text LIKE ${params.add(containsPattern(piece))}`);
  return [`(search_text || '') LIKE ${params.add(containsPattern(text))}`, ...indexed].join(
    " AND ",
  );
}

/** The WHERE conditions of a selection, each served by an index. The project id is always $1. */
export function selectionConditions(selection: EventSelection, params: SqlParams): string[] {
  const { projectId, filters, scope, searchPieces } = selection;
  const where = [`project_id = ${params.add(projectId)}`];
  for (const predicate of filterPredicates(filters)) {
    where.push(
      predicate.filter === "search" && searchPieces !== undefined
        ? searchByPiecesSql(predicate.value, searchPieces, params)
        : predicateSql(predicate, params),
    );
  }
  if (scope.kind === "target") {
    where.push(`target_keys @> ARRAY[${params.add(scope.key)}]::text[]`);
  } else if (scope.kind === "workspace") {
    where.push(`workspace_id = ${params.add(scope.id)}`);
  }
  if (selection.actorTypes !== undefined && selection.actorTypes.length > 0) {
    where.push(`actor_type = ANY(${params.add(selection.actorTypes)}::text[])`);
  }
  if (selection.query !== undefined) where.push(conditionSql(selection.query, params));
  return where;
}

/** Filters with a `(project_id, value, seq)` btree, which walks one value in seq order. */
const ORDERED_BY_SEQ: ReadonlySet<SelectionPredicate["filter"]> = new Set([
  "actor_id",
  "actor_type",
  "workspace_id",
  "outcome",
  "correlation_id",
  "trace_id",
  "ip_address",
  "on_behalf_of_id",
]);

function isOneOrderedValue(predicate: SelectionPredicate): boolean {
  if (predicate.filter === "action") {
    const [action] = predicate.values;
    return predicate.values.length === 1 && action !== undefined && !ACTION_PREFIX.test(action);
  }
  return ORDERED_BY_SEQ.has(predicate.filter);
}

/** Whether the selection is its filters and scope alone: no `q=` condition, no stream's actor types. */
function isFiltersOnly(selection: EventSelection): boolean {
  return selection.query === undefined && (selection.actorTypes?.length ?? 0) === 0;
}

/**
 * Whether one index walks the selection in seq order whatever its values: no filter, one
 * equality filter (one exact action or verb included), a target's type and id together, or
 * a workspace feed. The best plan of such a walk is the same for every value, so it may be
 * prepared (store/prepared.ts); any other selection is planned for its values each time.
 */
export function isSingleIndexWalk(selection: EventSelection): boolean {
  if (!isFiltersOnly(selection)) return false;
  const predicates = filterPredicates(selection.filters);
  const { scope } = selection;
  if (scope.kind === "target") return false;
  if (scope.kind === "workspace") return predicates.length === 0;
  if (predicates.length <= 1) return predicates.every(isOneOrderedValue);
  const filters = predicates.map((predicate) => predicate.filter).sort();
  return filters.length === 2 && filters[0] === "target_id" && filters[1] === "target_type";
}

/**
 * Whether the selection is a time window and nothing else: its count and its pick read the
 * occurred_at index, whatever the bounds (a pick runs only for a window known to be
 * narrow), so they may be prepared.
 */
export function isTimeWindowOnly(selection: EventSelection): boolean {
  if (!isFiltersOnly(selection) || selection.scope.kind !== "events") return false;
  const predicates = filterPredicates(selection.filters);
  return (
    predicates.length > 0 &&
    predicates.every(({ filter }) => filter === "start_time" || filter === "end_time")
  );
}
