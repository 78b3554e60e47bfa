import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleApp } from "../../src/http/app.js";
import type { OpenApiDocument } from "../../src/http/contract/contract.js";
import type { HandlerTable } from "../../src/http/contract/handler-types.js";
import { closeServer } from "../../src/http/listen.js";
import type { Principal } from "../../src/http/middleware/principal.js";
import type { Store } from "../../src/store/types.js";
import { createLogger } from "../../src/telemetry/logger.js";

/**
 * The middleware chain over real HTTP with a two-operation contract, no database:
 * request ids, versions, auth, scopes, rate-limit headers, validation and errors.
 */
const document: OpenApiDocument = {
  openapi: "3.1.0",
  paths: {
    "/v1/things": {
      get: {
        operationId: "listThings",
        "x-required-scope": "activity:read",
        parameters: [
          { $ref: "#/components/parameters/Limit" },
          {
            name: "kind",
            in: "query",
            schema: { type: "array", items: { type: "string", enum: ["a", "b"] } },
          },
        ],
      },
      post: {
        operationId: "createThing",
        "x-required-scope": "activity:write",
        "x-chronicle-max-body-bytes": 1024,
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
        },
      },
    },
    "/v1/health": { get: { operationId: "getHealth", "x-required-scope": "none", security: [] } },
  },
  components: {
    parameters: {
      Limit: {
        name: "limit",
        in: "query",
        schema: { type: "integer", minimum: 1, maximum: 200, default: 50 },
      },
    },
    schemas: {
      Thing: {
        type: "object",
        required: ["items"],
        additionalProperties: false,
        properties: { items: { type: "array", items: { $ref: "#/components/schemas/Item" } } },
      },
      Item: {
        type: "object",
        required: ["type"],
        properties: { type: { type: "string", enum: ["user", "agent"] } },
      },
    },
  },
};

const principals: Record<string, Principal> = {
  reader: {
    kind: "api_key",
    id: "key_reader",
    projectId: "prj_1",
    scopes: ["activity:read"],
    workspaceId: null,
    name: "reader",
  },
  admin: {
    kind: "api_key",
    id: "key_admin",
    projectId: "prj_1",
    scopes: ["admin"],
    workspaceId: null,
    name: "admin",
  },
};

let base = "";
let close: () => Promise<void>;
const used = new Map<string, number>();

beforeAll(async () => {
  const handlers = {
    listThings: async ({ query }: { query: unknown }) => ({ status: 200, body: { query } }),
    createThing: async ({ body }: { body: unknown }) => ({ status: 201, body }),
    getHealth: async () => ({ status: 200, body: { status: "ok" } }),
  } as unknown as HandlerTable;
  const app = assembleApp({
    document,
    handlers,
    logger: createLogger("silent"),
    authenticate: async (token) => principals[token] ?? null,
    // The handlers above use no store.
    storeOf: () => undefined as unknown as Store,
    consumeRateLimit: async (principal) => {
      const count = (used.get(principal.id) ?? 0) + 1;
      used.set(principal.id, count);
      return { allowed: count <= 5, limit: 5, remaining: 5 - count, resetSeconds: 42 };
    },
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => closeServer(server);
});

afterAll(async () => {
  await close();
});

async function problem(response: Response) {
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body.request_id).toBe(response.headers.get("request-id"));
  expect(body.status).toBe(response.status);
  return body;
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe("the HTTP middleware chain", () => {
  it("when a request is fine, then it answers with a request id, the version and coerced query", async () => {
    const response = await fetch(`${base}/v1/things?limit=7&kind=a`, { headers: auth("admin") });
    expect(response.status).toBe(200);
    expect(response.headers.get("request-id")).toMatch(/^req_[0-9A-Z]{26}$/);
    expect(response.headers.get("chronicle-version")).toBe("2026-11-01");
    expect(response.headers.get("ratelimit-limit")).toBe("5");
    expect(response.headers.get("ratelimit-policy")).toBe("5;w=60");
    expect(await response.json()).toEqual({ query: { limit: 7, kind: ["a"] } });
  });

  it("when a query parameter is out of range, unknown or repeated wrongly, then 400 with pointers", async () => {
    const response = await fetch(`${base}/v1/things?limit=0&kind=c&color=red`, {
      headers: auth("admin"),
    });
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("invalid_parameter");
    const pointers = (body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(["/query/color", "/query/kind/0", "/query/limit"]);
  });

  it("when the version is unknown, then 400 unsupported_version", async () => {
    const response = await fetch(`${base}/v1/health`, {
      headers: { "Chronicle-Version": "1999-01-01" },
    });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("unsupported_version");
  });

  it("when the version is known, then it is echoed", async () => {
    const response = await fetch(`${base}/v1/health`, {
      headers: { "Chronicle-Version": "2026-11-01" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("chronicle-version")).toBe("2026-11-01");
    expect(response.headers.get("ratelimit-limit")).toBeNull();
  });

  it("when the credential is missing or unknown, then 401", async () => {
    for (const headers of [{}, auth("nobody"), { Authorization: "Basic abc" }]) {
      const response = await fetch(`${base}/v1/things`, { headers });
      expect(response.status).toBe(401);
      expect((await problem(response)).code).toBe("unauthorized");
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("when the scope is missing, then 403 with rate-limit headers", async () => {
    const response = await fetch(`${base}/v1/things`, {
      method: "POST",
      headers: { ...auth("reader"), "Content-Type": "application/json" },
      body: JSON.stringify({ items: [] }),
    });
    expect(response.status).toBe(403);
    expect((await problem(response)).code).toBe("forbidden");
    expect(response.headers.get("ratelimit-remaining")).not.toBeNull();
  });

  it("when the body is bad, then 400, 413, 415 or 422 with body pointers", async () => {
    const post = (body: string, contentType = "application/json") =>
      fetch(`${base}/v1/things`, {
        method: "POST",
        headers: { ...auth("admin"), "Content-Type": contentType },
        body,
      });
    used.clear();
    const malformed = await post("{nope");
    expect([malformed.status, (await problem(malformed)).code]).toEqual([400, "invalid_json"]);
    const large = await post(JSON.stringify({ items: [{ type: "user", pad: "x".repeat(2000) }] }));
    expect([large.status, (await problem(large)).code]).toEqual([413, "payload_too_large"]);
    const text = await post("items", "text/plain");
    expect([text.status, (await problem(text)).code]).toEqual([415, "unsupported_media_type"]);
    used.clear();
    const invalid = await post(
      JSON.stringify({ items: [{ type: "user" }, { type: "robot" }], x: 1 }),
    );
    const body = await problem(invalid);
    expect([invalid.status, body.code]).toEqual([422, "validation_failed"]);
    expect((body.errors as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual([
      "/items/1/type",
      "/x",
    ]);
    const missing = await fetch(`${base}/v1/things`, { method: "POST", headers: auth("admin") });
    expect([missing.status, (await problem(missing)).code]).toEqual([422, "validation_failed"]);
  });

  it("when a browser sends a preflight, then CORS allows the API's headers", async () => {
    const response = await fetch(`${base}/v1/things`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("Authorization");
    const actual = await fetch(`${base}/v1/health`, { headers: { Origin: "https://app.example" } });
    expect(actual.headers.get("access-control-expose-headers")).toContain("Request-Id");
  });

  it("when the path is unknown, then 404 problem", async () => {
    const response = await fetch(`${base}/v1/nothing`);
    expect(response.status).toBe(404);
    expect((await problem(response)).code).toBe("not_found");
  });

  it("when the key is over its limit, then 429 with Retry-After", async () => {
    used.clear();
    let last: Response | undefined;
    for (let i = 0; i < 6; i++)
      last = await fetch(`${base}/v1/things`, { headers: auth("reader") });
    expect(last?.status).toBe(429);
    expect(last?.headers.get("retry-after")).toBe("42");
    expect(last?.headers.get("ratelimit-remaining")).toBe("0");
    expect((await problem(last as Response)).code).toBe("rate_limit_exceeded");
  });
});
