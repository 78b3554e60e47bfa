import { fullFormats } from "ajv-formats/dist/formats.js";
import type { FieldError } from "./errors.js";
import { escapePointer } from "./json-pointer.js";

/**
 * Guards for values the contract allows but PostgreSQL (or JavaScript) cannot hold
 * faithfully: NUL and unpaired surrogates in text, instants outside years 0001–9999,
 * integers beyond 2^53. Each is a client error, never a 500.
 */

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/**
 * NUL or any surrogate: one plain scan that clears almost every string, so the precise test
 * (two scans, one with look-around) runs only on the rare text that holds one.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters looked for
const SUSPECT = /[\u0000\ud800-\udfff]/;
const isUnstorable = (text: string) =>
  SUSPECT.test(text) && (text.includes("\u0000") || UNPAIRED_SURROGATE.test(text));
const MAX_ERRORS = 20;

/**
 * Field errors for every string (or object key) holding NUL or an unpaired surrogate. The
 * walk keeps the raw path and writes a pointer only for an error: it runs over every value
 * of every event ingested.
 */
export function unstorableText(value: unknown, pointer = ""): FieldError[] {
  const errors: FieldError[] = [];
  const path: string[] = [];
  const fail = () => {
    if (errors.length >= MAX_ERRORS) return;
    errors.push({
      pointer: pointer + path.map((segment) => `/${escapePointer(segment)}`).join(""),
      detail: "must not contain NUL characters or unpaired surrogates",
      code: "format",
    });
  };
  const visit = (node: unknown) => {
    if (errors.length >= MAX_ERRORS) return;
    if (typeof node === "string") {
      if (isUnstorable(node)) fail();
    } else if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        path.push(String(index));
        visit(node[index]);
        path.pop();
      }
    } else if (typeof node === "object" && node !== null) {
      for (const [key, inner] of Object.entries(node)) {
        path.push(key);
        if (isUnstorable(key)) fail();
        else visit(inner);
        path.pop();
      }
    }
  };
  visit(value);
  return errors;
}

/**
 * Field errors for integers a JavaScript number (and so the database binding) would round,
 * and for ±Infinity, which the validator's integer type lets through ("Infinity", "1e400").
 * Bodies never hold either: their text is judged first (http/middleware/json-limits.ts).
 */
export function unsafeIntegers(values: Record<string, unknown>, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== "number" || Number.isSafeInteger(value)) continue;
    // A fraction or NaN is the validator's to refuse.
    if (!Number.isInteger(value) && Math.abs(value) !== Number.POSITIVE_INFINITY) continue;
    const pointer = `${prefix}/${escapePointer(name)}`;
    errors.push(
      value > 0
        ? { pointer, detail: `must be <= ${Number.MAX_SAFE_INTEGER}`, code: "maximum" }
        : { pointer, detail: `must be >= ${Number.MIN_SAFE_INTEGER}`, code: "minimum" },
    );
  }
  return errors;
}

// Date.UTC maps years 0–99 to 1900–1999, so parse the bound instead.
const EARLIEST = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const rfc3339 = fullFormats["date-time"] as { validate: (value: string) => boolean };

/** An instant (ms) in years 0001–9999 UTC: what PostgreSQL reads back as it was written. */
export function storableInstant(instant: number): boolean {
  return Number.isFinite(instant) && instant >= EARLIEST && instant <= LATEST;
}

/** RFC 3339 `date-time` whose instant lies in years 0001–9999 UTC (what PostgreSQL stores). */
export function storableDateTime(value: string): boolean {
  if (!rfc3339.validate(value)) return false;
  return storableInstant(Date.parse(value));
}
