import { createTestDatabase, type Store, type TestDatabase } from "@chronicle/test-kit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../packages/server/src/domain/errors.js";
import {
  type CursorPayload,
  decodeCursor,
  encodeCursor,
} from "../../packages/server/src/services/index.js";

/**
 * Cursors are untrusted input: whatever string a client sends must decode to the payload
 * the server signed, or fail as `invalid_cursor` — never with another error.
 */

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

let database: TestDatabase;
let store: Store;

beforeAll(async () => {
  database = await createTestDatabase("pglite", { migrated: true });
  store = await database.open();
});

afterAll(async () => {
  await store.close();
  await database.drop();
});

const binding = fc.record({
  p: fc.string({ unit: "binary", maxLength: 40 }),
  e: fc.constantFrom("events", "target", "workspace"),
  f: fc.string({ maxLength: 24 }),
});

const payload: fc.Arbitrary<CursorPayload> = fc.record({
  v: fc.constant(1 as const),
  p: fc.string({ unit: "binary", maxLength: 40 }),
  e: fc.constantFrom("events", "target", "workspace"),
  f: fc.string({ maxLength: 24 }),
  k: fc.constantFrom("after" as const, "before" as const),
  s: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
});

/** The outcome of decoding: the payload, `invalid_cursor`, or the unexpected error itself. */
async function outcome(cursor: string, expected: { p: string; e: string; f: string }) {
  try {
    return { payload: await decodeCursor(store, cursor, expected) };
  } catch (error) {
    if (error instanceof ServiceError && error.code === "invalid_cursor") {
      return { invalid: true as const };
    }
    return { unexpected: error };
  }
}

/** Strings shaped like cursors: base64url, a dot, base64url — plus any string at all. */
const cursorLike = fc.oneof(
  fc.string({ unit: "binary", maxLength: 600 }),
  fc
    .tuple(
      fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: 200 }),
      fc.string({ unit: fc.constantFrom(...BASE64URL), maxLength: 30 }),
    )
    .map(([body, mac]) => `${body}.${mac}`),
  fc.jsonValue().map((value) => `${Buffer.from(JSON.stringify(value)).toString("base64url")}.x`),
);

describe("cursor decoding", () => {
  it("turns any string into a payload or invalid_cursor, never another error", async () => {
    await fc.assert(
      fc.asyncProperty(cursorLike, binding, async (cursor, expected) => {
        const result = await outcome(cursor, expected);
        expect(result).not.toHaveProperty("unexpected");
      }),
      { numRuns: 500 },
    );
  });

  it("decodes what it encoded, for the same project, endpoint and filters", async () => {
    await fc.assert(
      fc.asyncProperty(payload, async (signed) => {
        const cursor = await encodeCursor(store, signed);
        expect(cursor.length).toBeLessThanOrEqual(1024);
        const result = await outcome(cursor, { p: signed.p, e: signed.e, f: signed.f });
        expect(result).toEqual({ payload: signed });
      }),
      { numRuns: 300 },
    );
  });

  it("rejects a cursor with any single character changed", async () => {
    const tampered = payload.chain((signed) =>
      fc.record({
        signed: fc.constant(signed),
        index: fc.nat(),
        replacement: fc.constantFrom(...`${BASE64URL}.=+/ %`),
      }),
    );
    await fc.assert(
      fc.asyncProperty(tampered, async ({ signed, index, replacement }) => {
        const cursor = await encodeCursor(store, signed);
        const at = index % cursor.length;
        fc.pre(cursor[at] !== replacement);
        const changed = cursor.slice(0, at) + replacement + cursor.slice(at + 1);
        const result = await outcome(changed, { p: signed.p, e: signed.e, f: signed.f });
        expect(result).toEqual({ invalid: true });
      }),
      { numRuns: 400 },
    );
  });

  it("rejects a valid cursor presented for another project, endpoint or filter set", async () => {
    await fc.assert(
      fc.asyncProperty(payload, binding, async (signed, other) => {
        fc.pre(other.p !== signed.p || other.e !== signed.e || other.f !== signed.f);
        const cursor = await encodeCursor(store, signed);
        expect(await outcome(cursor, other)).toEqual({ invalid: true });
      }),
      { numRuns: 200 },
    );
  });
});
