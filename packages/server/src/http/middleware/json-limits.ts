import type { FieldError } from "../../domain/errors.js";
import { escapePointer } from "../../domain/json-pointer.js";

/**
 * Limits a JSON body must respect beyond being JSON (docs/design.md, "Input limits"):
 * nesting at most {@link MAX_JSON_DEPTH} levels, so nothing downstream (validation,
 * canonicalisation, hashing, storage) recurses without bound; and numbers that an IEEE 754
 * double holds as written (I-JSON, RFC 7493, which RFC 8785's hashing assumes): no overflow
 * to infinity, no non-zero value that rounds to 0, no integer beyond ±(2^53 − 1).
 *
 * Numbers are judged by their text, which `JSON.parse` does not hand to a reviver on Node 20,
 * so this is one linear, iterative pass over the text (it never recurses, whatever the
 * nesting), measured at about the cost of JSON.parse itself on the same text.
 */
export const MAX_JSON_DEPTH = 64;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

interface Frame {
  array: boolean;
  /** The index in an array; in an object, where the current key's string token starts. */
  member: number;
  /** In an object, where the current key's string token ends (decoded only for a pointer). */
  keyEnd?: number;
}

function pointerOf(text: string, stack: Frame[]): string {
  return stack
    .map((frame) => {
      const segment = frame.array
        ? String(frame.member)
        : (JSON.parse(text.slice(frame.member, frame.keyEnd)) as string);
      return `/${escapePointer(segment)}`;
    })
    .join("");
}

/** Why a number token cannot be held exactly as written, or null when it can. */
export function numberProblem(token: string): string | null {
  const value = Number(token);
  // The common case first: a finite non-zero value that is a fraction or a safe integer.
  if (
    value !== 0 &&
    (Number.isSafeInteger(value) || (Number.isFinite(value) && !Number.isInteger(value)))
  ) {
    return null;
  }
  if (!Number.isFinite(value)) {
    return "must be within the range of a double (about ±1.8e308)";
  }
  if (value === 0 && /[1-9]/.test(token.replace(/[eE].*$/, ""))) {
    return "must not be so small that it rounds to 0";
  }
  if (!/[.eE]/.test(token) && !Number.isSafeInteger(value)) {
    return `must be an integer within ±${Number.MAX_SAFE_INTEGER} (larger ones lose digits)`;
  }
  return null;
}

/** The end (exclusive) of the string token opening at `at`; a loop, not a regex, so no backtracking stack. */
function stringEnd(text: string, at: number): number {
  let quote = text.indexOf('"', at + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * The first limit the (already parsed, so well-formed) JSON text breaks, with a JSON pointer
 * to the value at fault; null when it keeps every limit.
 */
export function jsonLimitError(text: string, maxDepth = MAX_JSON_DEPTH): FieldError | null {
  const stack: Frame[] = [];
  let expectKey = false;
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (isWhitespace(code) || code === 0x3a /* : */) {
      at++;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (stack.length >= maxDepth) {
        return {
          pointer: pointerOf(text, stack),
          detail: `must not nest deeper than ${maxDepth} levels`,
          code: "maxDepth",
        };
      }
      stack.push({ array: code === 0x5b, member: 0 });
      expectKey = code === 0x7b;
      at++;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      stack.pop();
      expectKey = false; // `{}` opened expecting a key that never came
      at++;
    } else if (code === 0x2c /* , */) {
      const frame = stack[stack.length - 1];
      if (frame?.array) frame.member++;
      else expectKey = true;
      at++;
    } else if (code === 0x22 /* " */) {
      const end = stringEnd(text, at);
      if (expectKey) {
        const frame = stack[stack.length - 1] as Frame;
        frame.member = at;
        frame.keyEnd = end;
        expectKey = false;
      }
      at = end;
    } else if (code === 0x2d /* - */ || (code >= 0x30 && code <= 0x39)) {
      NUMBER.lastIndex = at;
      const token = NUMBER.exec(text)?.[0] ?? text[at] ?? "";
      const problem = numberProblem(token);
      if (problem) return { pointer: pointerOf(text, stack), detail: problem, code: "maximum" };
      at += token.length;
    } else {
      at++; // the letters of true, false, null
    }
  }
  return null;
}
