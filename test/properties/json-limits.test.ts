import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  jsonLimitError,
  MAX_JSON_DEPTH,
} from "../../packages/server/src/http/middleware/json-limits.js";

/**
 * The body limits are judged on the JSON text in one linear pass. Against an oracle that
 * walks the parsed value instead: the pass refuses exactly the texts that nest too deep or
 * hold an integer a double rounds, and its pointer leads to the value at fault, whatever the
 * whitespace, key names (escapes, `/`, `~`) and strings that look like numbers or brackets.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Depth as the limit counts it: each array or object is one level. */
function depthOf(value: Json): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === "object") {
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  }
  return 0;
}

/** JSON.stringify writes an integer-valued double without `.` or `e` up to 1e21. */
function hasRoundedInteger(value: Json): boolean {
  if (typeof value === "number") {
    return !/[.eE]/.test(JSON.stringify(value)) && !Number.isSafeInteger(value);
  }
  if (Array.isArray(value)) return value.some(hasRoundedInteger);
  if (value !== null && typeof value === "object")
    return Object.values(value).some(hasRoundedInteger);
  return false;
}

function resolve(value: Json, pointer: string): Json | undefined {
  let node: Json | undefined = value;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (node !== null && typeof node === "object") node = node[segment];
    else return undefined;
  }
  return node;
}

const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("a/b", "~0", "\\", '"', "1e999", "[", "}"),
);
const leaf = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("1e400", "[[[", "\\", '"', "12345678901234567890"),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(2 ** 53, -(2 ** 60), 1e21, 9007199254740991),
  fc.boolean(),
  fc.constant(null),
);
const { value: jsonValue } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
}));
/** A value wrapped in `depth` arrays or objects, so deep texts are common. */
const nested = fc
  .tuple(jsonValue, fc.array(fc.option(key, { nil: undefined }), { maxLength: MAX_JSON_DEPTH + 4 }))
  .map(([inner, wrappers]) =>
    wrappers.reduce<Json>(
      (value, name) => (name === undefined ? [value] : { [name]: value }),
      inner,
    ),
  );
const indent = fc.constantFrom(undefined, 0, 1, "\t", "\r\n ");

describe("JSON body limits (json-limits.ts)", () => {
  it("when a text is judged, then it is refused exactly when it nests too deep or rounds an integer", () => {
    fc.assert(
      fc.property(nested, indent, (value, space) => {
        const text = JSON.stringify(value, null, space);
        const error = jsonLimitError(text);
        const tooDeep = depthOf(value) > MAX_JSON_DEPTH;
        expect(error !== null).toBe(tooDeep || hasRoundedInteger(value));
        if (error === null) return;
        const at = resolve(value, error.pointer);
        if (error.code === "maxDepth") {
          expect(error.pointer.split("/").length - 1).toBe(MAX_JSON_DEPTH);
          expect(typeof at === "object" && at !== null).toBe(true);
        } else {
          expect(error.code).toBe("maximum");
          expect(typeof at).toBe("number");
          expect(Number.isSafeInteger(at)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("when a number's text overflows or underflows a double, then the pointer leads to it", () => {
    fc.assert(
      fc.property(
        jsonValue,
        fc.constantFrom("1e400", "-1E+309", "1e-400", "-0.0001e-330", "123456789012345678901234"),
        fc.array(key, { minLength: 1, maxLength: 5 }),
        (value, literal, path) => {
          const placeholder = "\u0001number\u0001";
          const wrapped = path.reduceRight<Json>((inner, name) => ({ [name]: inner }), placeholder);
          const text = JSON.stringify([value, wrapped]).replace(
            JSON.stringify(placeholder),
            literal,
          );
          const error = jsonLimitError(text);
          const expected = `/1${path.map((name) => `/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("")}`;
          // The generated value may break a limit first (an earlier rounded integer).
          if (error?.pointer.startsWith("/0")) return;
          expect(error).toMatchObject({ pointer: expected, code: "maximum" });
        },
      ),
      { numRuns: 500 },
    );
  });
});
