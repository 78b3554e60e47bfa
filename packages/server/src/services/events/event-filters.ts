import { createHash } from "node:crypto";
import { canonicalJson } from "../../domain/canonical-json.js";
import { invalidParameter } from "../../domain/errors.js";
import type { EventFilters, ListScope } from "../../domain/types.js";
import type { EventSelection } from "../../store/event-selection.js";
import { targetKey } from "./event-prepare.js";
import { compileQuery } from "./query-language/index.js";

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
 * The events a filtered read selects, as the store reads them: the time bounds checked
 * (400 invalid_parameter) and normalised, `q` compiled onto the filters
 * (query-language/), a target scope as the key appends store.
 */
export function selectionOf(
  projectId: string,
  filters: EventFilters,
  scope: ListScope,
): EventSelection {
  if (filters.include_on_behalf === true && filters.actor_id === undefined) {
    throw invalidParameter("include_on_behalf needs actor_id", {
      pointer: "/query/include_on_behalf",
      detail: "needs actor_id: it widens actor_id to the events done on that actor's behalf",
      code: "dependentRequired",
    });
  }
  const checked: EventFilters = { ...filters };
  if (filters.start_time !== undefined) checked.start_time = time(filters.start_time, "start_time");
  if (filters.end_time !== undefined) checked.end_time = time(filters.end_time, "end_time");
  const compiled =
    filters.q === undefined ? { filters: checked } : compileQuery(filters.q, checked);
  const selection: EventSelection = {
    projectId,
    filters: compiled.filters,
    scope:
      scope.kind === "target" ? { kind: "target", key: targetKey(scope.type, scope.id) } : scope,
  };
  if (compiled.condition !== undefined) selection.query = compiled.condition;
  return selection;
}

/** The digest a cursor is bound to: the path scope, the order and every filter. */
export function filterDigest(filters: EventFilters, scope: ListScope, order: "asc" | "desc") {
  const defined = Object.fromEntries(
    Object.entries(filters).filter(([, value]) => value !== undefined),
  );
  if (Array.isArray(defined.action)) defined.action = [...defined.action].sort();
  const canonical = canonicalJson({ scope, order, filters: defined });
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 16);
}
