import { request } from "node:http";
import {
  createTestDatabase,
  type Store,
  type TestDatabase,
  type TestServer,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyPathResponses, declaredMethods } from "./support/contract.js";
import { collectingLogger, serve } from "./support/reference-server.js";
import { contractViolations, type ObservedResponse } from "./support/response-check.js";

/**
 * Header fields over Node's limit are answered by the HTTP server before Express routes the
 * request; `x-chronicle-any-path-responses` documents that `431 headers_too_large` once,
 * for every path and method, and the answer must match it.
 */

function send(base: string, method: string, path: string): Promise<ObservedResponse> {
  return new Promise((resolve, reject) => {
    const headers = { "X-Padding": "x".repeat(20_000), "Chronicle-Version": "2026-11-01" };
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

describe("header fields too large", () => {
  let database: TestDatabase;
  let store: Store;
  let server: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase("pglite", { migrated: true });
    store = await database.open();
    server = await serve(store, collectingLogger());
  });
  afterAll(async () => {
    await server.close();
    await store.close();
    await database.drop();
  });

  const probes = [...declaredMethods()].flatMap(([path, methods]) =>
    methods.slice(0, 1).map((method) => ({ path, method })),
  );

  it.each(probes)(
    "$method $path answers 431 headers_too_large as the contract says",
    async ({ path, method }) => {
      const response = await send(server.base, method, path.replace(/\{[^}]+\}/g, "x1"));
      expect(response.status, response.text).toBe(431);
      expect(JSON.parse(response.text)).toMatchObject({ status: 431, code: "headers_too_large" });
      expect(contractViolations(anyPathResponses(path, method), response)).toEqual([]);
    },
  );

  it("keeps answering after an oversized request", async () => {
    const health = await fetch(`${server.base}/v1/health`);
    expect(health.status).toBe(200);
  });
});
