import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { invalidParameter } from "../../domain/errors.js";
import type { EventFilters, ListScope } from "../../domain/types.js";
import { targetKey } from "./event-prepare.js";

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

function time(value: string, name: string): string {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw invalidParameter(`${name} must be an RFC 3339 date-time`, {
      pointer: `/query/${name}`,
      detail: "must be an RFC 3339 date-time",
      code: "format",
    });
  }
  return new Date(parsed).toISOString();
}

/**
 * The WHERE conditions of a filtered read, each served by an index: `issue.*` becomes the
 * range action >= 'issue.' AND action < 'issue/' (the column is COLLATE "C", so the btree
 * on (project_id, action, seq) answers it).
 */
export function filterConditions(
  projectId: string,
  filters: EventFilters,
  scope: ListScope,
  params: SqlParams,
): string[] {
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
  if (filters.search !== undefined && filters.search !== "") {
    where.push(`search_text LIKE ${params.add(`%${escapeLike(filters.search.toLowerCase())}%`)}`);
  }
  if (filters.start_time !== undefined) {
    where.push(`occurred_at >= ${params.add(time(filters.start_time, "start_time"))}::timestamptz`);
  }
  if (filters.end_time !== undefined) {
    where.push(`occurred_at < ${params.add(time(filters.end_time, "end_time"))}::timestamptz`);
  }
  if (filters.changed_field !== undefined) {
    where.push(`changed_fields @> ARRAY[${params.add(filters.changed_field)}]::text[]`);
  }
  if (scope.kind === "target") {
    where.push(`target_keys @> ARRAY[${params.add(targetKey(scope.type, scope.id))}]::text[]`);
  } else if (scope.kind === "workspace") {
    where.push(`workspace_id = ${params.add(scope.id)}`);
  }
  return where;
}

/** The digest a cursor is bound to: the path scope, the order and every filter. */
export function filterDigest(filters: EventFilters, scope: ListScope, order: "asc" | "desc") {
  const defined = Object.fromEntries(
    Object.entries(filters).filter(([, value]) => value !== undefined),
  );
  if (Array.isArray(defined.action)) defined.action = [...defined.action].sort();
  const canonical = canonicalize({ scope, order, filters: defined }) ?? "";
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 16);
}
