import { querySyntaxError } from "./syntax-error.js";
import { type Token, tokenize } from "./tokens.js";

/** A parsed `q=` query. Positions are indexes into the query, for errors about values. */
export type QueryNode =
  | { kind: "term"; at: number; key?: string; value: string; valueAt: number }
  | { kind: "and" | "or"; nodes: QueryNode[] }
  | { kind: "not"; node: QueryNode };

/** More terms than this is a 400: each one is a condition of the read's SQL. */
export const MAX_TERMS = 50;

/**
 * Parses a query by recursive descent over its tokens. Written here rather than taken from
 * a library: the search-syntax parsers on npm either lack `OR` and grouping
 * (search-query-parser) or read `created:>=2026-11-01` and `action:issue.*` as syntax of
 * their own (liqe's ranges take numbers, Lucene's `*` is a wildcard), and none reports
 * the character of an error in the form the API answers with.
 *
 *   query   := and END
 *   and     := or (["AND"] or)*       adjacent terms are AND-ed
 *   or      := unary ("OR" unary)*    OR binds tighter: `a OR b c` is `(a OR b) c`
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := "(" and ")" | term
 */
export function parseQuery(query: string): QueryNode {
  const tokens = tokenize(query);
  let index = 0;
  let terms = 0;
  const peek = (): Token | undefined => tokens[index];
  const endAt = query.trimEnd().length;
  const fail = (token: Token | undefined, reason: string): never => {
    throw querySyntaxError(query, token?.at ?? endAt, reason);
  };

  const primary = (): QueryNode => {
    const token = peek();
    if (token === undefined) return fail(token, "expected a term, found the end of the query");
    if (token.kind === "(") {
      index += 1;
      if (peek()?.kind === ")") return fail(peek(), "expected a term inside the parentheses");
      const node = and();
      if (peek()?.kind !== ")") {
        return fail(token, "this parenthesis is not closed");
      }
      index += 1;
      return node;
    }
    if (token.kind === "term") {
      index += 1;
      terms += 1;
      if (terms > MAX_TERMS) return fail(token, `more than ${MAX_TERMS} terms`);
      return { ...token };
    }
    return fail(
      token,
      `expected a term, found "${query.slice(token.at, token.at + token.kind.length)}"`,
    );
  };

  const unary = (): QueryNode => {
    if (peek()?.kind === "NOT") {
      index += 1;
      return { kind: "not", node: unary() };
    }
    return primary();
  };

  const or = (): QueryNode => {
    const nodes = [unary()];
    while (peek()?.kind === "OR") {
      index += 1;
      nodes.push(unary());
    }
    return nodes.length === 1 ? (nodes[0] as QueryNode) : { kind: "or", nodes };
  };

  const and = (): QueryNode => {
    const nodes = [or()];
    for (;;) {
      const token = peek();
      if (token === undefined || token.kind === ")") break;
      if (token.kind === "AND") index += 1;
      nodes.push(or());
    }
    return nodes.length === 1 ? (nodes[0] as QueryNode) : { kind: "and", nodes };
  };

  if (tokens.length === 0) return fail(undefined, "the query is empty");
  const node = and();
  const rest = peek();
  if (rest !== undefined) fail(rest, "this parenthesis closes nothing");
  return node;
}
