import { client, event, newProject, setUp, type TestContext } from "@chronicle/test-kit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadBundledDocument,
  operationsOf,
} from "../../packages/server/src/http/contract/contract.js";

/**
 * Small hostile bodies against the real app (PGlite, real HTTP): random JSON, valid events
 * with one member replaced by anything, truncated or byte-mangled JSON, deep nesting and
 * awkward numbers, sent to every operation of the contract that takes a body. Every answer
 * is below 500, a 4xx is problem+json with a code, and the contract check of the test
 * client holds for each.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const awkwardNumber = fc.constantFrom(
  "1e400",
  "-1e400",
  "1e-400",
  "12345678901234567890",
  "-0",
  "5e-324",
  "1.7976931348623157e308",
  "0.1e1",
);
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "\u0000",
    "\ud800",
    "=cmd|' /C calc'!A0",
    "0000-01-01T00:00:00Z",
    "a".repeat(300),
  ),
);
const { value: jsonValue } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(text, tie("value"), { maxKeys: 4 }),
  ),
}));

const MEMBERS = [
  "action",
  "actor",
  "target",
  "targets",
  "workspace_id",
  "summary",
  "metadata",
  "changes",
  "context",
  "occurred_at",
  "description",
  "metadata_schema",
  "name",
  "scopes",
  "retention_days",
  "ttl_seconds",
  "events",
];

/** A body text: JSON of many shapes, a valid event bent in one place, or broken text. */
const bodyText: fc.Arbitrary<string> = fc.oneof(
  jsonValue.map((value) => JSON.stringify(value)),
  fc
    .tuple(fc.constantFrom(...MEMBERS), jsonValue)
    .map(([member, value]) => JSON.stringify({ ...event(), [member]: value })),
  fc
    .tuple(fc.constantFrom(...MEMBERS), awkwardNumber)
    .map(([member, number]) =>
      JSON.stringify({ ...event(), [member]: 0 }).replace(`"${member}":0`, `"${member}":${number}`),
    ),
  fc
    .tuple(fc.integer({ min: 1, max: 12_000 }), fc.constantFrom("[", '{"a":', '{"events":['))
    .map(([depth, opener]) => opener.repeat(depth)),
  fc
    .tuple(fc.integer({ min: 1, max: 12_000 }), fc.constantFrom(...MEMBERS), fc.boolean())
    .map(([depth, member, arrays]) => {
      const [open, close] = arrays ? ["[", "]"] : ['{"a":', "}"];
      const deep = `${open.repeat(depth)}${arrays ? "" : "1"}${close.repeat(depth)}`;
      return JSON.stringify({ ...event(), [member]: 0 }).replace(
        `"${member}":0`,
        `"${member}":${deep}`,
      );
    }),
  fc.tuple(jsonValue, fc.nat()).map(([value, cut]) => {
    const json = JSON.stringify({ events: [event({ metadata: { value } })] });
    return json.slice(0, cut % (json.length + 1));
  }),
);

describe("hostile bodies against the real app (pglite)", () => {
  let ctx: TestContext;
  let api: ReturnType<typeof client>;
  const targets = operationsOf(loadBundledDocument())
    .filter((operation) => operation.body !== undefined)
    .map((operation) => ({
      method: operation.method.toUpperCase(),
      path: operation.path.replace("{action}", "fuzz.action").replace(/\{[^}]+\}/g, "x1"),
    }));

  beforeAll(async () => {
    ctx = await setUp("pglite");
    api = client(ctx.server.base, (await newProject(ctx.store)).key);
    await api("PUT", "/v1/actions/issue.created", {
      body: {
        metadata_schema: { properties: { priority: { type: "string", pattern: "^(h+)+$" } } },
      },
    });
  }, 180_000);
  afterAll(async () => {
    await ctx?.close();
  });

  it("when any small body is sent to any operation that takes one, then the answer is a 4xx problem or a success, never a 5xx", async () => {
    expect(targets.length).toBeGreaterThanOrEqual(5);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), bodyText, async (target, raw) => {
        const response = await api(target.method, target.path, {
          raw,
          headers: { "Content-Type": "application/json" },
        });
        expect(
          response.status,
          `${target.method} ${target.path} ${raw.slice(0, 200)}`,
        ).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
          expect(typeof response.json?.code).toBe("string");
        }
      }),
      { numRuns: 300 },
    );
    expect((await api("GET", "/v1/health")).status).toBe(200);
  }, 300_000);

  it("when bytes that are not UTF-8 are sent, then 400 invalid_json on every operation", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((bytes) => !isUtf8(bytes)),
        async (target, bytes) => {
          const body = Buffer.concat([
            Buffer.from('{"summary":"'),
            Buffer.from(bytes),
            Buffer.from('"}'),
          ]);
          const response = await fetch(`${ctx.server.base}${target.path}`, {
            method: target.method,
            headers: {
              "Content-Type": "application/json",
              Authorization: `Bearer ${(await newProject(ctx.store)).key}`,
            },
            body,
          });
          expect(response.status).toBe(400);
          expect(((await response.json()) as { code: string }).code).toBe("invalid_json");
        },
      ),
      { numRuns: 40 },
    );
  }, 300_000);
});

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
