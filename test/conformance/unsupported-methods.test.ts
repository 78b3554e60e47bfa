import { request } from "node:http";
import {
  createTestDatabase,
  newProject,
  type Store,
  type TestDatabase,
  type TestServer,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyPathResponses, declaredMethods } from "./support/contract.js";
import { collectingLogger, serve } from "./support/reference-server.js";
import { contractViolations, type ObservedResponse } from "./support/response-check.js";

/**
 * A method a path item does not declare is `405 method_not_allowed` with `Allow` listing
 * the declared methods (RFC 9110 §15.5.6), as `x-chronicle-any-path-responses` documents;
 * a path the contract does not have stays `404 not_found`.
 */

const PROBED = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];

/** A concrete request path for a contract path: every `{parameter}` becomes `x1`. */
function concrete(path: string): string {
  return path.replace(/\{[^}]+\}/g, "x1");
}

/** node:http rather than fetch, which refuses TRACE. */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<ObservedResponse> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(", ") : value);
        }
        resolve({ status: res.statusCode ?? 0, headers: out, text });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const probes = [...declaredMethods()].flatMap(([path, declared]) =>
  PROBED.filter((method) => !declared.includes(method)).map((method) => ({
    path,
    method,
    allow: declared.join(", "),
  })),
);

describe("methods a path does not declare", () => {
  const logger = collectingLogger();
  let database: TestDatabase;
  let store: Store;
  let server: TestServer;
  let auth: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase("pglite", { migrated: true });
    store = await database.open();
    server = await serve(store, logger);
    auth = { Authorization: `Bearer ${(await newProject(store, "Methods")).key}` };
  });

  afterAll(async () => {
    await server.close();
    await store.close();
    await database.drop();
  });

  it("probes every path of the contract", () => {
    expect(new Set(probes.map((p) => p.path)).size).toBe(declaredMethods().size);
    expect(probes.length).toBeGreaterThan(declaredMethods().size * 4);
  });

  it.each(probes)(
    "$method $path answers 405 with Allow: $allow",
    async ({ path, method, allow }) => {
      const response = await send(server.base, method, concrete(path), auth);
      expect(response.status, response.text).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
      expect(JSON.parse(response.text)).toMatchObject({ status: 405, code: "method_not_allowed" });
      expect(response.headers.get("ratelimit-remaining")).toBeNull();
      expect(contractViolations(anyPathResponses(path, method), response)).toEqual([]);
    },
  );

  it("answers 405 before authentication, and HEAD like any undeclared method", async () => {
    const anonymous = await send(server.base, "PUT", "/v1/events");
    expect(anonymous.status).toBe(405);
    expect(anonymous.headers.get("allow")).toBe(declaredMethods().get("/v1/events")?.join(", "));
    const head = await send(server.base, "HEAD", "/v1/events/batch");
    expect(head.status).toBe(405);
    expect(head.headers.get("allow")).toBe("POST");
  });

  it("routes a static path's undeclared methods to its own 405, not to a templated path", async () => {
    // GET /v1/events/batch must not become getEvent with event_id "batch".
    const batch = await send(server.base, "GET", "/v1/events/batch", auth);
    expect(batch.status).toBe(405);
    expect(batch.headers.get("allow")).toBe("POST");
    const exported = await send(server.base, "DELETE", "/v1/events/export", auth);
    expect(exported.status).toBe(405);
    expect(exported.headers.get("allow")).toBe("GET");
  });

  it("answers a CORS preflight 204, not 405", async () => {
    const response = await send(server.base, "OPTIONS", "/v1/events", {
      Origin: "https://app.example",
      "Access-Control-Request-Method": "GET",
    });
    expect(response.status).toBe(204);
  });

  it("answers 404 not_found on a path the contract does not have, whatever the method", async () => {
    for (const method of ["GET", "TRACE", "DELETE"]) {
      const response = await send(server.base, method, "/v1/nowhere");
      expect(response.status).toBe(404);
      const problem = JSON.parse(response.text);
      expect(problem).toMatchObject({ code: "not_found" });
      // Request-Id and Chronicle-Version are on every answer, not only the contract's paths.
      expect(response.headers.get("request-id")).toBe(problem.request_id);
      expect(response.headers.get("chronicle-version")).toBe("2026-11-01");
    }
  });

  it("logged no error", () => {
    expect(logger.errors).toEqual([]);
  });
});
