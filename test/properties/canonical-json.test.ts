import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashEvent as sdkHashEvent } from "../../packages/sdk/src/integrity/hash-event.js";
import { canonicalJson } from "../../packages/server/src/domain/canonical-json.js";
import { hashEvent as serverHashEvent } from "../../packages/server/src/services/index.js";

/**
 * The chain hash is hex(SHA-256(JCS(event without "hash"))). The server computes it with
 * safe-stable-stringify and node:crypto, the SDK with canonicalize and WebCrypto; both must
 * agree with each other and with an RFC 8785 implementation written here from the RFC,
 * whatever the content and key order.
 */

/** RFC 8785 §3.2.3: members sorted by their names as arrays of UTF-16 code units. */
function byCodeUnits(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = a.charCodeAt(i) - b.charCodeAt(i);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/** RFC 8785: ES number and string serialisation, no whitespace, sorted members. */
function jcs(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("JCS cannot represent NaN or Infinity");
    return Object.is(value, -0) ? "0" : String(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(",")}]`;
  const object = value as Record<string, unknown>;
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort(byCodeUnits)
    .map((key) => `${JSON.stringify(key)}:${jcs(object[key])}`);
  return `{${members.join(",")}}`;
}

function independentHash(event: Record<string, unknown>): string {
  const { hash: _hash, ...content } = event;
  return createHash("sha256").update(jcs(content), "utf8").digest("hex");
}

/** The same value with every object's members in another order. */
function reordered(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reordered(item, seed + i));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  const shuffled = entries
    .map((entry, i) => ({ entry, rank: Math.sin(seed * 9973 + i * 7919) }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ entry: [k, v] }, i) => [k, reordered(v, seed + i + 1)] as const);
  return Object.fromEntries(shuffled);
}

/** Names whose UTF-16 order differs from their code point order, and other edge cases. */
const trickyKey = fc.constantFrom(
  "",
  "a",
  "A",
  "é",
  "\uE000",
  "\uFFFF",
  "😀",
  "\u{10FFFF}",
  "1",
  "10",
  "2",
  "\n",
  '"',
);
const key = fc.oneof(trickyKey, fc.string({ unit: "grapheme", maxLength: 6 }));
const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: "grapheme", maxLength: 12 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  ),
})).value;

const ref = fc.record({
  type: fc.string({ minLength: 1, maxLength: 8 }),
  id: fc.string({ minLength: 1, maxLength: 8 }),
  name: fc.option(fc.string({ unit: "grapheme", maxLength: 8 })),
});

/** Event-shaped objects as the server sends them, with any metadata and changes. */
const event = fc.record({
  id: fc.constant("evt_01KMX4Q2R7B9C3D5E6F8G0H1J2"),
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  action: fc.constantFrom("issue.created", "user.login"),
  actor: fc.record({
    type: fc.constantFrom("user", "agent"),
    id: fc.string({ minLength: 1 }),
    name: fc.option(fc.string({ unit: "grapheme" })),
    email: fc.constant(null),
    on_behalf_of: fc.constant(null),
  }),
  target: fc.option(ref),
  targets: fc.array(ref, { maxLength: 3 }),
  workspace_id: fc.option(fc.string({ minLength: 1, maxLength: 10 })),
  summary: fc.option(fc.string({ unit: "grapheme", maxLength: 30 })),
  metadata: fc.dictionary(key, json, { maxKeys: 6 }),
  changes: fc.option(
    fc.record({
      before: fc.dictionary(key, json, { maxKeys: 3 }),
      after: fc.dictionary(key, json, { maxKeys: 3 }),
    }),
  ),
  changed_fields: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  context: fc.constant(null),
  occurred_at: fc.constant("2026-11-23T10:15:30.123Z"),
  created_at: fc.constant("2026-11-23T10:15:30.456Z"),
  prev_hash: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/)),
  hash: fc.stringMatching(/^[0-9a-f]{64}$/),
});

describe("canonical JSON and the chain hash", () => {
  it("the independent JCS matches the RFC 8785 example (§3.2.2)", () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(jcs(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("the server's canonical JSON is the independent JCS for any JSON value", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(jcs(value));
      }),
      { numRuns: 500 },
    );
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow();
  });

  it("server, SDK and an independent JCS give the same hash for any event", async () => {
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        const expected = independentHash(e);
        expect(serverHashEvent(e as never)).toBe(expected);
        expect(await sdkHashEvent(e as never)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("key order does not change the hash, on the server or in the SDK", async () => {
    await fc.assert(
      fc.asyncProperty(event, fc.integer(), async (e, seed) => {
        const shuffled = reordered(e, seed) as typeof e;
        expect(serverHashEvent(shuffled as never)).toBe(serverHashEvent(e as never));
        expect(await sdkHashEvent(shuffled as never)).toBe(await sdkHashEvent(e as never));
      }),
      { numRuns: 200 },
    );
  });

  it("any change to the content changes the hash", async () => {
    await fc.assert(
      fc.asyncProperty(
        event,
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 5 }),
        async (e, extra) => {
          const changed = { ...e, summary: `${e.summary ?? ""}${extra}` };
          expect(await sdkHashEvent(changed as never)).not.toBe(await sdkHashEvent(e as never));
          expect(serverHashEvent(changed as never)).not.toBe(serverHashEvent(e as never));
        },
      ),
      { numRuns: 100 },
    );
  });
});
