import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asStoredJson } from "../../src/services/events/jsonb-order.js";

/**
 * A new event's metadata and changes are returned with their keys in the order jsonb keeps
 * them, so the ingest response is byte for byte a later read. The order is checked here
 * against PostgreSQL's own jsonb (PGlite), for keys ASCII and not.
 */
describe("JSON in jsonb's key order", () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  });
  afterAll(async () => {
    await db.close();
  });

  /** The value as jsonb hands it back, parsed into JavaScript. */
  async function throughJsonb(value: unknown): Promise<unknown> {
    const { rows } = await db.query<{ text: string }>("SELECT $1::jsonb::text AS text", [
      JSON.stringify(value),
    ]);
    return JSON.parse((rows[0] as { text: string }).text);
  }

  const key = fc.oneof(
    fc.constantFrom("a", "b", "ab", "ä", "é", "z", "zz", "€", "😀", "A", "_", "__proto__", "10"),
    fc.string({ maxLength: 5 }),
    fc.string({ unit: "grapheme", maxLength: 4 }),
  );
  const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string({ maxLength: 6 }),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(key, tie("value"), { maxKeys: 6 }),
    ),
  })).value;

  it("orders every object's keys as jsonb does, at any depth", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, json, { maxKeys: 8 }), async (value) => {
        const stored = asStoredJson(value);
        expect(JSON.stringify(stored)).toBe(JSON.stringify(await throughJsonb(value)));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a __proto__ member as a member, and leaves the input as it was", () => {
    const input = JSON.parse('{"b":1,"__proto__":{"x":1},"a":[{"zz":1,"y":2}]}');
    const before = JSON.stringify(input);
    const stored = asStoredJson(input) as Record<string, unknown>;
    expect(JSON.stringify(stored)).toBe('{"a":[{"y":2,"zz":1}],"b":1,"__proto__":{"x":1}}');
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(JSON.stringify(input)).toBe(before);
  });
});
