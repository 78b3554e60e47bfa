import type { EventFilters } from "../domain/types.js";

/**
 * Which events a read selects, with the service's rules already applied: the times are
 * checked RFC 3339 instants (services/events/event-filters.ts) and a target scope is the
 * key the append stored (services/events/event-prepare.ts, targetKeys).
 */
export interface EventSelection {
  projectId: string;
  filters: EventFilters;
  scope: SelectionScope;
  /** Any of these actor types (a log stream's filter; reads through the API have actor_type). */
  actorTypes?: string[];
}

export type SelectionScope =
  | { kind: "events" }
  | { kind: "target"; key: string }
  | { kind: "workspace"; id: string };

const ACTION_PREFIX = /^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.\*$/;

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
 * The WHERE conditions of a selection, each served by an index: `issue.*` becomes the
 * range action >= 'issue.' AND action < 'issue/' (the column is COLLATE "C", so the btree
 * on (project_id, action, seq) answers it). The project id is always $1.
 */
export function selectionConditions(selection: EventSelection, params: SqlParams): string[] {
  const { projectId, filters, scope } = selection;
  const where = [`project_id = ${params.add(projectId)}`];
  if (filters.action && filters.action.length > 0) {
    const exact: string[] = [];
    const ranges: string[] = [];
    for (const action of filters.action) {
      const prefix = ACTION_PREFIX.exec(action)?.[1];
      if (prefix === undefined) exact.push(action);
      else
        ranges.push(
          `(action >= ${params.add(`${prefix}.`)} AND action < ${params.add(`${prefix}/`)})`,
        );
    }
    if (exact.length > 0) ranges.unshift(`action = ANY(${params.add(exact)}::text[])`);
    where.push(ranges.length === 1 ? (ranges[0] as string) : `(${ranges.join(" OR ")})`);
  }
  const equal = (column: string, value: string | undefined) => {
    if (value !== undefined) where.push(`${column} = ${params.add(value)}`);
  };
  equal("actor_id", filters.actor_id);
  equal("actor_type", filters.actor_type);
  equal("target_type", filters.target_type);
  equal("target_id", filters.target_id);
  equal("workspace_id", filters.workspace_id);
  equal("outcome", filters.outcome);
  equal("correlation_id", filters.correlation_id);
  if (filters.search !== undefined && filters.search !== "") {
    where.push(`search_text LIKE ${params.add(`%${escapeLike(filters.search.toLowerCase())}%`)}`);
  }
  if (filters.start_time !== undefined) {
    where.push(`occurred_at >= ${params.add(filters.start_time)}::timestamptz`);
  }
  if (filters.end_time !== undefined) {
    where.push(`occurred_at < ${params.add(filters.end_time)}::timestamptz`);
  }
  if (filters.changed_field !== undefined) {
    where.push(`changed_fields @> ARRAY[${params.add(filters.changed_field)}]::text[]`);
  }
  if (scope.kind === "target") {
    where.push(`target_keys @> ARRAY[${params.add(scope.key)}]::text[]`);
  } else if (scope.kind === "workspace") {
    where.push(`workspace_id = ${params.add(scope.id)}`);
  }
  if (selection.actorTypes !== undefined && selection.actorTypes.length > 0) {
    where.push(`actor_type = ANY(${params.add(selection.actorTypes)}::text[])`);
  }
  return where;
}
