import {
  awayFromMinuteEdge,
  type Client,
  client,
  event,
  newProject,
  STORE_KINDS,
  setUp,
  setUpWithProject,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Every bad input gets its problem+json, never a 500. */
describe.each(STORE_KINDS)("bad input over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let key: string;
  let api: Client;

  beforeAll(async () => {
    ({ ctx, key, api } = await setUpWithProject(kind));
    await api("POST", "/v1/events", { body: event() });
  });
  afterAll(async () => {
    await ctx.close();
  });

  async function expectProblem(
    response: Awaited<ReturnType<ReturnType<typeof client>>>,
    status: number,
    code: string,
  ) {
    expect(response.status, response.text).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(response.json.code).toBe(code);
    expect(response.json.status).toBe(status);
    expect(response.json.request_id).toBe(response.headers.get("request-id"));
    expect(response.json.type).toBe(`https://chronicle.dev/problems/${code}`);
    return response.json;
  }

  it("when the JSON is malformed, then 400 invalid_json", async () => {
    await expectProblem(
      await api("POST", "/v1/events", {
        raw: '{"action": ',
        headers: { "Content-Type": "application/json" },
      }),
      400,
      "invalid_json",
    );
  });

  it("when the JSON is valid but not an object, then 422 validation_failed at the root", async () => {
    for (const raw of ["null", "[]", '"text"', "42"]) {
      const body = await expectProblem(
        await api("POST", "/v1/events", { raw, headers: { "Content-Type": "application/json" } }),
        422,
        "validation_failed",
      );
      expect(body.errors[0].pointer, raw).toBe("");
    }
  });

  it("when a value cannot be stored (NUL, lone surrogate, year 0000, beyond 2^53), then 400 or 422, never 500", async () => {
    for (const [path, pointer] of [
      ["/v1/events?search=a%00b", "/query/search"],
      ["/v1/events?action=issue.created&actor_id=%00", "/query/actor_id"],
      ["/v1/workspaces/%00/events", "/path/workspace_id"],
      ["/v1/events?end_time=0000-01-01T00:00:00Z", "/query/end_time"],
      ["/v1/events?start_time=0001-01-01T00:00:00%2B14:00", "/query/start_time"],
      ["/v1/integrity?from_seq=9223372036854775807", "/query/from_seq"],
    ] as const) {
      const body = await expectProblem(await api("GET", path), 400, "invalid_parameter");
      expect(
        body.errors.map((e: { pointer: string }) => e.pointer),
        path,
      ).toContain(pointer);
    }
    for (const [method, path, payload, pointer] of [
      ["POST", "/v1/api-keys", { name: "\u0000", scopes: ["admin"] }, "/name"],
      ["PATCH", "/v1/project", { name: "a\ud800" }, "/name"],
      ["POST", "/v1/viewer-tokens", { workspace_id: "\u0000" }, "/workspace_id"],
      ["POST", "/v1/events", event({ metadata: { "k\u0000": 1 } }), "/metadata/k\u0000"],
      ["POST", "/v1/events", event({ occurred_at: "0000-01-01T00:00:00Z" }), "/occurred_at"],
    ] as const) {
      const body = await expectProblem(
        await api(method, path, {
          raw: JSON.stringify(payload),
          headers: { "Content-Type": "application/json" },
        }),
        422,
        "validation_failed",
      );
      expect(
        body.errors.map((e: { pointer: string }) => e.pointer),
        `${method} ${path}`,
      ).toContain(pointer);
    }
    const stream = await expectProblem(
      await api("GET", "/v1/events/stream", { headers: { "Last-Event-ID": "999999999999999999" } }),
      400,
      "invalid_parameter",
    );
    expect(stream.errors[0].pointer).toBe("/header/Last-Event-ID");
  });

  it("when a path parameter is badly percent-encoded, then 400 invalid_parameter", async () => {
    const response = await api("GET", "/v1/events/%E0%A4%A");
    const body = await expectProblem(response, 400, "invalid_parameter");
    expect(body.errors[0].pointer).toBe("/path/event_id");
    expect(response.headers.get("ratelimit-limit")).not.toBeNull();
    const target = await expectProblem(
      await api("GET", "/v1/targets/%ZZ/x/events"),
      400,
      "invalid_parameter",
    );
    expect(target.errors[0].pointer).toBe("/path/target_type");
  });

  it("when the body is too large, then 413 payload_too_large", async () => {
    const raw = JSON.stringify(event({ summary: "x".repeat(300 * 1024) }));
    await expectProblem(
      await api("POST", "/v1/events", { raw, headers: { "Content-Type": "application/json" } }),
      413,
      "payload_too_large",
    );
    const batch = JSON.stringify({
      events: Array.from({ length: 10 }, () =>
        event({ metadata: { pad: "y".repeat(900 * 1024) } }),
      ),
    });
    await expectProblem(
      await api("POST", "/v1/events/batch", {
        raw: batch,
        headers: { "Content-Type": "application/json" },
      }),
      413,
      "payload_too_large",
    );
  });

  it("when the content type is not JSON, then 415 unsupported_media_type", async () => {
    await expectProblem(
      await api("POST", "/v1/events", {
        raw: "action=issue.created",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
      415,
      "unsupported_media_type",
    );
  });

  it("when a parameter is out of range or unknown, then 400 invalid_parameter with its pointer", async () => {
    for (const [query, pointer] of [
      ["limit=0", "/query/limit"],
      ["limit=201", "/query/limit"],
      ["limit=ten", "/query/limit"],
      ["order=sideways", "/query/order"],
      ["start_time=yesterday", "/query/start_time"],
      ["actor_type=robot", "/query/actor_type"],
      ["colour=red", "/query/colour"],
    ] as const) {
      const body = await expectProblem(
        await api("GET", `/v1/events?${query}`),
        400,
        "invalid_parameter",
      );
      expect(
        body.errors.map((e: { pointer: string }) => e.pointer),
        query,
      ).toContain(pointer);
    }
    const badId = await expectProblem(
      await api("GET", "/v1/events/not-an-id"),
      400,
      "invalid_parameter",
    );
    expect(badId.errors[0].pointer).toBe("/path/event_id");
    const badKey = await expectProblem(
      await api("POST", "/v1/events", {
        body: event(),
        headers: { "Idempotency-Key": "x".repeat(300) },
      }),
      400,
      "invalid_parameter",
    );
    expect(badKey.errors[0].pointer).toBe("/header/Idempotency-Key");
  });

  it("when the cursor is malformed or tampered with, then 400 invalid_cursor", async () => {
    await api("POST", "/v1/events", { body: event() });
    const page = await api("GET", "/v1/events?limit=1");
    const cursor = page.json.next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
    await expectProblem(await api("GET", "/v1/events?cursor=garbage"), 400, "invalid_cursor");
    const tampered = `${cursor.slice(0, 5)}${cursor[5] === "A" ? "B" : "A"}${cursor.slice(6)}`;
    await expectProblem(await api("GET", `/v1/events?cursor=${tampered}`), 400, "invalid_cursor");
    await expectProblem(
      await api("GET", `/v1/events?cursor=${cursor}&action=issue.*`),
      400,
      "invalid_cursor",
    );
    await expectProblem(
      await api("GET", `/v1/events?cursor=${cursor}&order=asc`),
      400,
      "invalid_cursor",
    );
    await expectProblem(
      await api("GET", `/v1/workspaces/ws_acme/events?cursor=${cursor}`),
      400,
      "invalid_cursor",
    );
  });

  it("when the token is missing, malformed or unknown, then 401 unauthorized", async () => {
    await expectProblem(await client(ctx.server.base)("GET", "/v1/events"), 401, "unauthorized");
    await expectProblem(
      await client(ctx.server.base, "chr_nope")("GET", "/v1/events"),
      401,
      "unauthorized",
    );
    await expectProblem(
      await client(ctx.server.base)("GET", "/v1/events", {
        headers: { Authorization: `Basic ${key}` },
      }),
      401,
      "unauthorized",
    );
  });

  it("when the key lacks the scope, then 403 forbidden", async () => {
    const reader = await api("POST", "/v1/api-keys", {
      body: { name: "reader", scopes: ["activity:read"] },
    });
    expect(reader.status).toBe(201);
    const asReader = client(ctx.server.base, reader.json.key);
    expect((await asReader("GET", "/v1/events")).status).toBe(200);
    await expectProblem(await asReader("POST", "/v1/events", { body: event() }), 403, "forbidden");
    await expectProblem(await asReader("GET", "/v1/events/export?format=ndjson"), 403, "forbidden");
    await expectProblem(await asReader("GET", "/v1/api-keys"), 403, "forbidden");
    await expectProblem(
      await asReader("PATCH", "/v1/project", { body: { name: "x" } }),
      403,
      "forbidden",
    );
  });

  it("when the API version is unknown, then 400 unsupported_version; a known one is echoed", async () => {
    await expectProblem(
      await api("GET", "/v1/events", { headers: { "Chronicle-Version": "2020-01-01" } }),
      400,
      "unsupported_version",
    );
    const ok = await api("GET", "/v1/events", { headers: { "Chronicle-Version": "2026-11-01" } });
    expect(ok.headers.get("chronicle-version")).toBe("2026-11-01");
  });

  it("when the path or id does not exist, then 404 not_found", async () => {
    await expectProblem(await api("GET", "/v1/nowhere"), 404, "not_found");
    await expectProblem(
      await api("GET", "/v1/events/evt_01KMX4Q2R7B9C3D5E6F8G0H1J2"),
      404,
      "not_found",
    );
    await expectProblem(
      await api("DELETE", "/v1/api-keys/key_01KMX3A8B9C0D1E2F3G4H5J6K7"),
      404,
      "not_found",
    );
  });
});

describe.each(STORE_KINDS)("rate limit over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await setUp(kind, { rateLimitPerMinute: 5 });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when a key goes over its limit, then 429 with Retry-After, and other keys are unaffected", async () => {
    const first = client(ctx.server.base, (await newProject(ctx.store)).key);
    await awayFromMinuteEdge();
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof first>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await first("GET", "/v1/events");
      statuses.push(last.status);
      expect(last.headers.get("ratelimit-limit")).toBe("5");
      expect(last.headers.get("ratelimit-policy")).toBe("5;w=60");
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(last?.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(last?.headers.get("ratelimit-remaining")).toBe("0");
    expect(last?.json.code).toBe("rate_limit_exceeded");
    const other = client(ctx.server.base, (await newProject(ctx.store)).key);
    const ok = await other("GET", "/v1/events");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("ratelimit-remaining")).toBe("4");
  });
});
