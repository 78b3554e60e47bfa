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

  it("when an integer parameter is Infinity or beyond 2^53, then 400 at it, never a 500", async () => {
    for (const [path, pointer, code] of [
      ["/v1/integrity?from_seq=Infinity", "/query/from_seq", "maximum"],
      ["/v1/integrity?from_seq=1e400", "/query/from_seq", "maximum"],
      ["/v1/integrity?to_seq=-Infinity", "/query/to_seq", "minimum"],
      ["/v1/integrity/proofs/inclusion?seq=Infinity", "/query/seq", "maximum"],
      [
        "/v1/integrity/proofs/inclusion?seq=1&tree_size=9007199254740993",
        "/query/tree_size",
        "maximum",
      ],
      [
        "/v1/integrity/proofs/consistency?from_size=1&to_size=Infinity",
        "/query/to_size",
        "maximum",
      ],
      ["/v1/events?limit=Infinity", "/query/limit", "maximum"],
    ] as const) {
      const body = expectProblem(await api("GET", path), 400, "invalid_parameter");
      expect(
        body.errors?.some((error) => error.pointer === pointer && error.code === code),
        `${path}: ${JSON.stringify(body.errors)}`,
      ).toBe(true);
    }
  });

  it("when a batch holds 200,000 invalid items, then 422 at /events at once, and the server keeps answering", async () => {
    const raw = `{"events":[${Array.from({ length: 200_000 }, () => "{}").join(",")}]}`;
    const started = Date.now();
    const [answer, health] = await Promise.all([
      api("POST", "/v1/events/batch", { raw, headers: json }),
      api("GET", "/v1/health/live"),
    ]);
    const body = expectProblem(answer, 422, "validation_failed");
    expect(body.errors).toEqual([
      { pointer: "/events", detail: "must NOT have more than 1000 items", code: "maxItems" },
    ]);
    expect(health.status).toBe(200);
    // Listing every item's errors was quadratic: minutes for this body.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("when a body breaks many rules within its sizes, then at most 100 field errors are listed", async () => {
    const raw = JSON.stringify({ events: Array.from({ length: 1000 }, () => ({})) });
    const body = expectProblem(
      await api("POST", "/v1/events/batch", { raw, headers: json }),
      422,
      "validation_failed",
    );
    expect(body.errors).toHaveLength(100);
    expect(body.errors?.[0]).toMatchObject({ pointer: "/events/0/action", code: "required" });
  });

  it("when an array that must hold unique items is long, then 422 maxItems before any pair is compared", async () => {
    const scopes = Array.from({ length: 30_000 }, (_, n) => [n]);
    const body = expectProblem(
      await api("POST", "/v1/api-keys", { body: { name: "many", scopes } }),
      422,
      "validation_failed",
    );
    expect(body.errors).toEqual([
      { pointer: "/scopes", detail: "must NOT have more than 4 items", code: "maxItems" },
    ]);
  });

  it("when a changes key is longer than a changed_field can be, then 422 at it, and other writes go on", async () => {
    // 1,000 CJK characters: 3,000 bytes that do not compress, past a GIN entry's 2,712.
    const key = Array.from({ length: 1000 }, (_, n) =>
      String.fromCodePoint(0x4e00 + ((n * 7919) % 20_000)),
    ).join("");
    const [long, fine] = await Promise.all([
      api("POST", "/v1/events", {
        body: event({ changes: { before: { [key]: 1 }, after: {} } }),
      }),
      api("POST", "/v1/events", {
        body: event({ changes: { before: { [key.slice(0, 256)]: 1 }, after: {} } }),
      }),
    ]);
    const body = expectProblem(long, 422, "validation_failed");
    expect(body.errors?.[0]?.pointer).toMatch(/^\/changes\/before/);
    expect(fine.status, fine.text).toBe(201);
  });

  it("when a destination credential holds a line break or non-ASCII, then 422 at it (it would be a header)", async () => {
    const destinations = [
      [{ type: "datadog", api_key: "abc\r\nX-Injected: 1" }, "/destination/api_key"],
      [
        { type: "splunk_hec", url: "https://splunk.example.com:8088", token: "t€" },
        "/destination/token",
      ],
    ] as const;
    for (const [destination, pointer] of destinations) {
      const body = expectProblem(
        await api("POST", "/v1/streams", { body: { name: "s", destination } }),
        422,
        "validation_failed",
      );
      expect(body.errors?.map((error) => error.pointer)).toContain(pointer);
    }
  });

  it("when metadata holds a __proto__ member, then it is recorded as sent, not dropped", async () => {
    const raw = `{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"__proto__":{"x":1},"a":1}}`;
    const created = await api("POST", "/v1/events", { raw, headers: json });
    expect(created.status, created.text).toBe(201);
    expect(created.text).toContain('"__proto__":{"x":1}');
    const read = await api("GET", `/v1/events/${created.json.id}`);
    expect(read.text).toContain('"__proto__":{"x":1}');
    expect(JSON.parse(read.text).metadata).toEqual(JSON.parse('{"a":1,"__proto__":{"x":1}}'));
  });

  it("when a compressed body does not decompress, then 400 invalid_json; a good one is read", async () => {
    const { gzipSync } = await import("node:zlib");
    const payload = JSON.stringify(event({ summary: "sent gzipped" }));
    for (const encoding of ["gzip", "deflate", "br"]) {
      const bad = await api("POST", "/v1/events", {
        raw: "not compressed at all",
        headers: { ...json, "Content-Encoding": encoding },
      });
      expectProblem(bad, 400, "invalid_json");
    }
    const truncated = gzipSync(payload).subarray(0, 20);
    expectProblem(
      await api("POST", "/v1/events", {
        raw: truncated,
        headers: { ...json, "Content-Encoding": "gzip" },
      }),
      400,
      "invalid_json",
    );
    const good = await api("POST", "/v1/events", {
      raw: gzipSync(payload),
      headers: { ...json, "Content-Encoding": "gzip" },
    });
    expect(good.status, good.text).toBe(201);
    expect(good.json.summary).toBe("sent gzipped");
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
