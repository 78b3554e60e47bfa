import type { QueryKey } from "@chronicle/types";

/**
 * Qualifiers of the `q=` query language by key (the keys of the contract's `q` parameter,
 * the list the server parses with); every one given must hold. An array under `action` is any
 * of those actions; under another key, any of those values.
 */
export type QueryTerms = { readonly [key in QueryKey]?: string | readonly string[] };

const GROUP: unique symbol = Symbol("chronicle.query-group");

/** A negated or OR-ed part of a query, made by `not` and `anyOf`. */
export interface QueryGroup {
  readonly [GROUP]: string;
}

/** A part of a query: qualifiers, a group, or free text (matched like `search`). */
export type QueryPart = QueryTerms | QueryGroup | string;

/** A value as the language reads it: bare when it can be, else quoted with \" and \\. */
function value(text: string): string {
  return text !== "" && !/[\s"()\\]/.test(text) ? text : quote(text);
}

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

function isGroup(part: QueryPart): part is QueryGroup {
  return typeof part === "object" && GROUP in part;
}

function render(part: QueryPart): string[] {
  if (typeof part === "string") return [quote(part)];
  if (isGroup(part)) return [part[GROUP]];
  const terms: string[] = [];
  for (const [key, given] of Object.entries(part) as [QueryKey, string | string[] | undefined][]) {
    if (given === undefined) continue;
    const values = typeof given === "string" ? [given] : given;
    if (key === "action") terms.push(`action:${values.join(",")}`);
    else if (values.length === 1) terms.push(`${key}:${value(values[0] as string)}`);
    else terms.push(`(${values.map((item) => `${key}:${value(item)}`).join(" OR ")})`);
  }
  return terms;
}

const group = (text: string): QueryGroup => ({ [GROUP]: text });
const joined = (parts: QueryPart[]) => parts.flatMap(render).join(" ");

/**
 * A `q=` query from its parts, AND-ed: qualifiers typed by key, free text quoted, values
 * quoted where they need it. `eventQuery({ actor: "usr_1" }, not({ actor_type: "agent" }),
 * "checkout fails")` is `actor:usr_1 -(actor_type:agent) "checkout fails"`.
 */
export function eventQuery(...parts: QueryPart[]): string {
  return joined(parts);
}

/** Events for which the parts (AND-ed) do not hold. */
export function not(...parts: QueryPart[]): QueryGroup {
  return group(`-(${joined(parts)})`);
}

/** Events for which any of the parts holds (each part's own qualifiers AND-ed). */
export function anyOf(...parts: QueryPart[]): QueryGroup {
  return group(`(${parts.map((part) => `(${joined([part])})`).join(" OR ")})`);
}
