import {
  type Client,
  type client,
  event,
  newProject,
  STORE_KINDS,
  setUpWithProject,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Input built to hurt: deep nesting, numbers a double cannot hold, bytes that are not
 * UTF-8, oversized headers, and metadata schemas that would cost unbounded CPU per event.
 * Each is a 4xx problem+json with a pointer, never a 500, and the server keeps answering.
 */
describe.each(STORE_KINDS)("hostile input over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ({ ctx, api } = await setUpWithProject(kind));
  }, 180_000);
  afterAll(async () => {
    await ctx?.close();
  });

  type Answer = Awaited<ReturnType<ReturnType<typeof client>>>;
  function expectProblem(response: Answer, status: number, code: string) {
    expect(response.status, response.text).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(response.json.code).toBe(code);
    return response.json as { errors?: { pointer: string; code: string; detail: string }[] };
  }
  const json = { "Content-Type": "application/json" };

  it("when a small body nests 10,000 levels deep, then 422 at the first level past the limit", async () => {
    const deepArray = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const deepObject = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    const cases: [string, string, string][] = [
      [
        "POST",
        "/v1/events",
        `{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"x":${deepArray}}}`,
      ],
      ["POST", "/v1/events/batch", `{"events":[${deepObject}]}`],
      ["PUT", "/v1/actions/deep.schema", `{"metadata_schema":${deepObject}}`],
      ["PATCH", "/v1/project", deepArray],
      ["POST", "/v1/api-keys", deepObject],
    ];
    for (const [method, path, raw] of cases) {
      const body = expectProblem(
        await api(method, path, { raw, headers: json }),
        422,
        "validation_failed",
      );
      const [error] = body.errors ?? [];
      expect(error?.code, path).toBe("maxDepth");
      expect(error?.pointer.split("/").length, path).toBe(65);
    }
    expect((await api("GET", "/v1/health")).status).toBe(200);
  });

  it("when a number is beyond a double, rounds to 0 or is an integer past 2^53, then 422 at it", async () => {
    for (const [literal, pointer] of [
      ["1e400", "/metadata/n"],
      ["-1.5E+309", "/metadata/n"],
      ["1e-400", "/metadata/n"],
      ["12345678901234567890", "/metadata/n"],
      ["[0, 1, -9007199254740993]", "/metadata/n/2"],
    ] as const) {
      const raw = `{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"n":${literal}}}`;
      const body = expectProblem(
        await api("POST", "/v1/events", { raw, headers: json }),
        422,
        "validation_failed",
      );
      expect(body.errors?.[0]?.pointer, literal).toBe(pointer);
    }
    for (const literal of ["9007199254740991", "1e300", "5e-324", "-0", "0.1"]) {
      const raw = `{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"n":${literal}}}`;
      expect((await api("POST", "/v1/events", { raw, headers: json })).status, literal).toBe(201);
    }
  });

  it("when the body is not valid UTF-8, then 400 invalid_json rather than a stored U+FFFD", async () => {
    const prefix = Buffer.from('{"action":"a.b","actor":{"type":"user","id":"u"},"summary":"');
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x28, 0xa1], [0xc0, 0xaf]]) {
      const body = Buffer.concat([prefix, Buffer.from(bad), Buffer.from('"}')]);
      const response = await fetch(`${ctx.server.base}/v1/events`, {
        method: "POST",
        headers: { ...json, Authorization: await authHeader() },
        body,
      });
      expect(response.status, String(bad)).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe("invalid_json");
    }
  });

  it("when the body declares a charset other than UTF-8, then 415", async () => {
    const raw = JSON.stringify(event());
    expectProblem(
      await api("POST", "/v1/events", {
        raw,
        headers: { "Content-Type": "application/json; charset=latin1" },
      }),
      415,
      "unsupported_media_type",
    );
    const ok = await api("POST", "/v1/events", {
      raw,
      headers: { "Content-Type": "application/json; charset=UTF-8" },
    });
    expect(ok.status).toBe(201);
  });

  it("when the headers are too large, then 431 headers_too_large as problem+json", async () => {
    const response = await fetch(`${ctx.server.base}/v1/events`, {
      headers: { "X-Padding": "x".repeat(20_000) },
    });
    expect(response.status).toBe(431);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as { code: string; status: number; request_id: string };
    expect(body.code).toBe("headers_too_large");
    expect(body.status).toBe(431);
    expect(body.request_id).toBe(response.headers.get("request-id"));
    expect((await api("GET", "/v1/health")).status).toBe(200);
  });

  it("when a metadata schema holds a catastrophic pattern, then events are answered at once (RE2)", async () => {
    const defined = await api("PUT", "/v1/actions/regex.attack", {
      body: { metadata_schema: { properties: { name: { type: "string", pattern: "^(a+)+$" } } } },
    });
    expect(defined.status).toBe(200);
    const attack = (name: string) =>
      api("POST", "/v1/events", { body: event({ action: "regex.attack", metadata: { name } }) });
    // 31 characters took minutes on a backtracking engine; 16 KiB is linear here.
    const refused = expectProblem(await attack(`${"a".repeat(30)}!`), 422, "validation_failed");
    expect(refused.errors?.[0]).toMatchObject({ pointer: "/metadata/name", code: "pattern" });
    expectProblem(await attack(`${"a".repeat(16_000)}!`), 422, "validation_failed");
    expect((await attack("a".repeat(5000))).status).toBe(201);
  });

  it("when a pattern needs backtracking (backreference, lookaround), then 422 at definition", async () => {
    for (const [schema, pointer] of [
      [{ properties: { x: { pattern: "(a)\\1" } } }, "/metadata_schema/properties/x/pattern"],
      [{ properties: { x: { pattern: "^(?=a)\\w+" } } }, "/metadata_schema/properties/x/pattern"],
      [
        { items: { patternProperties: { "(?<!a)b": {} } } },
        "/metadata_schema/items/patternProperties/(?<!a)b",
      ],
      [
        { properties: { x: { anyOf: [{}, { pattern: "(?!x)" }] } } },
        "/metadata_schema/properties/x/anyOf/1/pattern",
      ],
    ] as const) {
      const body = expectProblem(
        await api("PUT", "/v1/actions/bad.pattern", { body: { metadata_schema: schema } }),
        422,
        "validation_failed",
      );
      expect(body.errors?.[0]?.pointer).toBe(pointer);
      expect(body.errors?.[0]?.code).toBe("pattern");
    }
    // A property merely named "pattern" is not a pattern.
    const named = await api("PUT", "/v1/actions/named.pattern", {
      body: { metadata_schema: { properties: { pattern: { const: "(a)\\1" } } } },
    });
    expect(named.status).toBe(200);
  });

  it("when a metadata schema is too large, deep, recursive or quadratic, then 422 with the pointer", async () => {
    let deep: Record<string, unknown> = { type: "string" };
    for (let level = 0; level < 20; level++) deep = { properties: { a: deep } };
    const chain: Record<string, unknown> = { d0: { type: "string" } };
    for (let level = 1; level < 16; level++) {
      chain[`d${level}`] = {
        anyOf: [{ $ref: `#/$defs/d${level - 1}` }, { $ref: `#/$defs/d${level - 1}` }],
      };
    }
    const cases: [unknown, string, string][] = [
      [{ description: "x".repeat(40_000) }, "/metadata_schema", "maxSize"],
      [
        deep,
        "/metadata_schema/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties/a/properties",
        "maxDepth",
      ],
      [
        { $defs: { node: { items: { $ref: "#/$defs/node" } } }, $ref: "#/$defs/node" },
        "/metadata_schema/$defs/node/items/$ref",
        "$ref",
      ],
      [{ anyOf: [{ $ref: "#" }, { type: "array" }] }, "/metadata_schema/anyOf/0/$ref", "$ref"],
      [{ $ref: "https://example.com/schema.json" }, "/metadata_schema/$ref", "$ref"],
      [{ $dynamicRef: "#node" }, "/metadata_schema/$dynamicRef", "$dynamicRef"],
      [{ $defs: chain, $ref: "#/$defs/d15" }, "/metadata_schema", "maxSize"],
      [
        { properties: { tags: { type: "array", uniqueItems: true } } },
        "/metadata_schema/properties/tags/uniqueItems",
        "uniqueItems",
      ],
    ];
    for (const [schema, pointer, code] of cases) {
      const body = expectProblem(
        await api("PUT", "/v1/actions/bad.schema", { body: { metadata_schema: schema } }),
        422,
        "validation_failed",
      );
      expect(body.errors?.[0], JSON.stringify(schema).slice(0, 80)).toMatchObject({
        pointer,
        code,
      });
    }
    for (const schema of [
      { properties: { tags: { type: "array", uniqueItems: true, items: { type: "string" } } } },
      { properties: { tags: { type: "array", uniqueItems: true, maxItems: 50 } } },
      {
        $defs: { who: { type: "string", format: "email" } },
        properties: { a: { $ref: "#/$defs/who" }, b: { $ref: "#/$defs/who" } },
      },
    ]) {
      const defined = await api("PUT", "/v1/actions/fine.schema", {
        body: { metadata_schema: schema },
      });
      expect(defined.status, JSON.stringify(schema)).toBe(200);
    }
  });

  it("when an event's metadata times its schema's weight is over the validation budget, then 422 at /metadata", async () => {
    const wide = {
      properties: {
        xs: { items: { allOf: Array.from({ length: 100 }, (_, i) => ({ minimum: -i })) } },
      },
    };
    expect(
      (await api("PUT", "/v1/actions/wide.schema", { body: { metadata_schema: wide } })).status,
    ).toBe(200);
    const record = (xs: number[]) =>
      api("POST", "/v1/events", { body: event({ action: "wide.schema", metadata: { xs } }) });
    const refused = expectProblem(await record(Array(5000).fill(1)), 422, "validation_failed");
    expect(refused.errors?.[0]).toMatchObject({ pointer: "/metadata", code: "maxSize" });
    expect((await record(Array(500).fill(1))).status).toBe(201);
    const invalid = expectProblem(await record([1, -500, 2]), 422, "validation_failed");
    expect(invalid.errors?.[0]?.pointer).toBe("/metadata/xs/1");
  });

  async function authHeader(): Promise<string> {
    const { key } = await newProject(ctx.store, "Raw bytes");
    return `Bearer ${key}`;
  }
});
