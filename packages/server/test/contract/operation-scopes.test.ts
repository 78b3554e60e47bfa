import express from "express";
import { describe, expect, it } from "vitest";
import { type OpenApiDocument, operationsOf } from "../../src/http/contract/contract.js";
import { authorize } from "../../src/http/middleware/auth.js";
import { errorHandler } from "../../src/http/middleware/error-handler.js";
import { createLogger } from "../../src/telemetry/logger.js";

function documentWith(operation: Record<string, unknown>): OpenApiDocument {
  return {
    openapi: "3.1.0",
    paths: { "/v1/things": { get: { operationId: "listThings", ...operation } } },
  };
}

/** Who may call an operation fails closed: an omission never makes an operation public. */
describe("operation scopes", () => {
  it("when an operation does not name its scope, then the contract is refused rather than served as public", () => {
    expect(() => operationsOf(documentWith({}))).toThrow(/listThings has no x-required-scope/);
  });

  it("when a public operation does not also say security: [], or a scoped one says it, then the contract is refused", () => {
    expect(() => operationsOf(documentWith({ "x-required-scope": "none" }))).toThrow(/disagree/);
    expect(() =>
      operationsOf(documentWith({ "x-required-scope": "activity:read", security: [] })),
    ).toThrow(/disagree/);
    expect(
      operationsOf(documentWith({ "x-required-scope": "none", security: [] }))[0]?.requiredScope,
    ).toBe("none");
    expect(
      operationsOf(documentWith({ "x-required-scope": "activity:read" }))[0]?.requiredScope,
    ).toBe("activity:read");
  });

  it("when a scoped operation is reached with no authenticated caller, then 401, never served", async () => {
    const [operation] = operationsOf(documentWith({ "x-required-scope": "activity:read" }));
    if (!operation) throw new Error("no operation");
    const app = express();
    app.get("/v1/things", authorize(operation), (_req, res) => {
      res.json({ served: true });
    });
    app.use(errorHandler(createLogger("silent")));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const { port } = server.address() as import("node:net").AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/v1/things`);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: "unauthorized" });
    } finally {
      server.close();
    }
  });
});
