import { type ActorType, type components, QUERY_KEYS, type QueryKey } from "@chronicle/types";
import { storableInstant } from "../../../domain/storable.js";
import type {
  SelectionCondition,
  SelectionPredicate,
  ValueFilter,
} from "../../../store/event-selection.js";
import { querySyntaxError } from "./syntax-error.js";

/** What a term's value becomes, or the reason it is refused (and the offset of the fault). */
type Reading = SelectionCondition | { refused: string; offset?: number };

const ACTION = /^(\*\.[a-z][a-z0-9_]*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;
const ACTOR_TYPES: readonly ActorType[] = ["user", "agent", "api_key", "system", "service"];
const OUTCOMES: readonly components["schemas"]["Outcome"][] = [
  "success",
  "failure",
  "denied",
  "unknown",
];
const MAX_VALUE = 256;
const MAX_SEARCH = 200;
const MAX_ACTIONS = 20;
const DAY_MS = 86_400_000;

const predicate = (p: SelectionPredicate): SelectionCondition => ({
  kind: "predicate",
  predicate: p,
});

/** `a,b,c`: any of several actions, each exact, `prefix.*` or `*.verb` (the action filter). */
function actions(value: string): Reading {
  const values = value.split(",");
  if (values.length > MAX_ACTIONS) return { refused: `more than ${MAX_ACTIONS} actions` };
  let offset = 0;
  for (const action of values) {
    if (!ACTION.test(action) || action.length > 130) {
      return {
        refused: "expected an action (issue.created), a prefix (issue.*) or a verb (*.deleted)",
        offset,
      };
    }
    offset += action.length + 1;
  }
  return predicate({ filter: "action", values });
}

/** A date (that whole UTC day) or an RFC 3339 time (that millisecond), as [from, to). */
function instant(text: string): [number, number] | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const from = Date.parse(`${text}T00:00:00.000Z`);
    if (!storableInstant(from) || new Date(from).toISOString().slice(0, 10) !== text) {
      return undefined;
    }
    return [from, from + DAY_MS];
  }
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/.test(text)) {
    return undefined;
  }
  const at = Date.parse(text);
  if (!storableInstant(at)) return undefined;
  return [at, at + 1];
}

/**
 * A bound as PostgreSQL reads it. The end of 9999-12-31 is in year 10000, which
 * toISOString writes `+010000-…` (read by PostgreSQL as a time zone): five digits instead.
 */
const iso = (ms: number) => new Date(ms).toISOString().replace(/^\+0(\d{5}-)/, "$1");

/**
 * `created:` bounds occurred_at: `>=D`, `>D`, `<=D`, `<D`, `D` (that day or instant) or
 * `D1..D2` (both included), as start_time (inclusive) and end_time (exclusive).
 */
function created(value: string): Reading {
  const range = /^(.*)\.\.(.*)$/.exec(value);
  const bounds = (start?: number, end?: number): Reading => {
    const parts: SelectionCondition[] = [];
    if (start !== undefined) parts.push(predicate({ filter: "start_time", value: iso(start) }));
    if (end !== undefined) parts.push(predicate({ filter: "end_time", value: iso(end) }));
    return parts.length === 1
      ? (parts[0] as SelectionCondition)
      : { kind: "and", conditions: parts };
  };
  const refused = (offset: number): Reading => ({
    refused:
      "expected a date (2026-11-01) or an RFC 3339 time in years 0001 to 9999, after >=, >, <=, < or none, or a range D1..D2",
    offset,
  });
  if (range) {
    const [, first = "", second = ""] = range;
    const from = instant(first);
    if (!from) return refused(0);
    const to = instant(second);
    if (!to) return refused(first.length + 2);
    return bounds(from[0], to[1]);
  }
  const operator = /^(>=|<=|>|<)?/.exec(value)?.[0] ?? "";
  const span = instant(value.slice(operator.length));
  if (!span) return refused(operator.length);
  const [from, to] = span;
  switch (operator) {
    case ">=":
      return bounds(from);
    case ">":
      return bounds(to);
    case "<=":
      return bounds(undefined, to);
    case "<":
      return bounds(undefined, from);
    default:
      return bounds(from, to);
  }
}

/** A value of the contract's enum (`actor_type`, `outcome`). */
function oneOf(filter: ValueFilter, allowed: readonly string[], value: string): Reading {
  return allowed.includes(value)
    ? predicate({ filter, value })
    : { refused: `expected one of ${allowed.join(", ")}` };
}

function plain(filter: ValueFilter, value: string): Reading {
  if (value.length > MAX_VALUE) return { refused: `longer than ${MAX_VALUE} characters` };
  return predicate({ filter, value });
}

/** How each key's value is read; the filters it maps to are QUERY_KEYS'. */
const READERS: { [key in QueryKey]: (value: string) => Reading } = {
  action: actions,
  actor: (value) => plain("actor_id", value),
  actor_type: (value) => oneOf("actor_type", ACTOR_TYPES, value),
  on_behalf_of: (value) => plain("on_behalf_of_id", value),
  target_type: (value) => plain("target_type", value),
  target: (value) => plain("target_id", value),
  workspace: (value) => plain("workspace_id", value),
  outcome: (value) => oneOf("outcome", OUTCOMES, value),
  correlation: (value) => plain("correlation_id", value),
  changed: (value) => plain("changed_field", value),
  trace: (value) => plain("trace_id", value),
  ip: (value) => plain("ip_address", value),
  created,
};

function isQueryKey(key: string): key is QueryKey {
  return Object.hasOwn(QUERY_KEYS, key);
}

/** A term as a condition: `key:value` through its key's reader, free text as `search`. */
export function termCondition(
  query: string,
  term: { at: number; key?: string; value: string; valueAt: number },
): SelectionCondition {
  if (term.key === undefined) {
    if (term.value.length > MAX_SEARCH) {
      throw querySyntaxError(query, term.valueAt, `text longer than ${MAX_SEARCH} characters`);
    }
    if (term.value === "") throw querySyntaxError(query, term.at, "empty phrase");
    return predicate({ filter: "search", value: term.value });
  }
  if (!isQueryKey(term.key)) {
    throw querySyntaxError(
      query,
      term.at,
      `unknown key "${term.key}" (keys: ${Object.keys(QUERY_KEYS).join(", ")}; quote text that has a colon)`,
    );
  }
  if (term.value === "")
    throw querySyntaxError(query, term.valueAt, `expected a value for ${term.key}`);
  const reading = READERS[term.key](term.value);
  if ("refused" in reading) {
    throw querySyntaxError(
      query,
      term.valueAt + (reading.offset ?? 0),
      `${term.key}: ${reading.refused}`,
    );
  }
  return reading;
}
