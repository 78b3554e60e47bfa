import { fullFormats } from "ajv-formats/dist/formats.js";
import type { FieldError } from "./errors.js";
import { escapePointer } from "./json-pointer.js";

/**
 * Guards for values the contract allows but PostgreSQL (or JavaScript) cannot hold
 * faithfully: NUL and unpaired surrogates in text, instants outside years 0001–9999,
 * integers beyond 2^53. Each is a client error, never a 500.
 */

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isUnstorable = (text: string) => text.includes("\u0000") || UNPAIRED_SURROGATE.test(text);
const MAX_ERRORS = 20;

/** Field errors for every string (or object key) holding NUL or an unpaired surrogate. */
export function unstorableText(value: unknown, pointer = ""): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: unknown, at: string) => {
    if (errors.length >= MAX_ERRORS) return;
    if (typeof node === "string") {
      if (isUnstorable(node)) {
        errors.push({
          pointer: at,
          detail: "must not contain NUL characters or unpaired surrogates",
          code: "format",
        });
      }
    } else if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, `${at}/${index}`);
    } else if (typeof node === "object" && node !== null) {
      for (const [key, inner] of Object.entries(node)) {
        const child = `${at}/${escapePointer(key)}`;
        if (isUnstorable(key)) visit(key, child);
        else visit(inner, child);
      }
    }
  };
  visit(value, pointer);
  return errors;
}

/** Field errors for integers a JavaScript number (and so the database binding) would round. */
export function unsafeIntegers(values: Record<string, unknown>, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      errors.push({
        pointer: `${prefix}/${escapePointer(name)}`,
        detail: `must be <= ${Number.MAX_SAFE_INTEGER}`,
        code: "maximum",
      });
    }
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
