import { ServiceError } from "../../../domain/errors.js";

/** How much of the query a syntax error shows on either side of its caret. */
const EXCERPT_RADIUS = 40;

/**
 * A `400 invalid_parameter` for `q`: `position` is the character at fault, counted from 1,
 * and the detail shows the query around it with a caret under that character.
 */
export function querySyntaxError(query: string, index: number, reason: string): ServiceError {
  const position = index + 1;
  const start = Math.max(0, index - EXCERPT_RADIUS);
  const end = Math.min(query.length, index + EXCERPT_RADIUS);
  const before = start > 0 ? "…" : "";
  const after = end < query.length ? "…" : "";
  const excerpt = `${before}${query.slice(start, end)}${after}`.replace(/[\r\n\t]/g, " ");
  const caret = `${" ".repeat(before.length + index - start)}^`;
  const where = `${reason} at character ${position}`;
  return new ServiceError("invalid_parameter", `q: ${where}\n${excerpt}\n${caret}`, {
    errors: [{ pointer: "/query/q", detail: where, code: "syntax", position }],
  });
}
