import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type OpenApiDocument, openapiDocument } from "../src/index.js";

/** The v1 surface and the scope each operation needs (docs/design.md, "Scopes"). */
const EXPECTED: Record<string, { method: string; path: string; scope: string }> = {
  createEvent: { method: "post", path: "/v1/events", scope: "activity:write" },
  createEventBatch: { method: "post", path: "/v1/events/batch", scope: "activity:write" },
  listEvents: { method: "get", path: "/v1/events", scope: "activity:read" },
  getEvent: { method: "get", path: "/v1/events/{event_id}", scope: "activity:read" },
  exportEvents: { method: "get", path: "/v1/events/export", scope: "activity:export" },
  streamEvents: { method: "get", path: "/v1/events/stream", scope: "activity:read" },
  listTargetEvents: {
    method: "get",
    path: "/v1/targets/{target_type}/{target_id}/events",
    scope: "activity:read",
  },
  listWorkspaceEvents: {
    method: "get",
    path: "/v1/workspaces/{workspace_id}/events",
    scope: "activity:read",
  },
  listActions: { method: "get", path: "/v1/actions", scope: "activity:read" },
  defineAction: { method: "put", path: "/v1/actions/{action}", scope: "admin" },
  listActionSchemas: {
    method: "get",
    path: "/v1/actions/{action}/schemas",
    scope: "activity:read",
  },
  deleteProject: { method: "delete", path: "/v1/project", scope: "admin" },
  verifyIntegrity: { method: "get", path: "/v1/integrity", scope: "activity:read" },
  getProject: { method: "get", path: "/v1/project", scope: "activity:read" },
  updateProject: { method: "patch", path: "/v1/project", scope: "admin" },
  listApiKeys: { method: "get", path: "/v1/api-keys", scope: "admin" },
  createApiKey: { method: "post", path: "/v1/api-keys", scope: "admin" },
  revokeApiKey: { method: "delete", path: "/v1/api-keys/{api_key_id}", scope: "admin" },
  updateApiKey: { method: "patch", path: "/v1/api-keys/{api_key_id}", scope: "admin" },
  rotateApiKey: { method: "post", path: "/v1/api-keys/{api_key_id}/rotate", scope: "admin" },
  createViewerToken: { method: "post", path: "/v1/viewer-tokens", scope: "activity:read" },
  getHealth: { method: "get", path: "/v1/health", scope: "none" },
  getCheckpoint: { method: "get", path: "/v1/integrity/checkpoint", scope: "activity:read" },
  getInclusionProof: {
    method: "get",
    path: "/v1/integrity/proofs/inclusion",
    scope: "activity:read",
  },
  getConsistencyProof: {
    method: "get",
    path: "/v1/integrity/proofs/consistency",
    scope: "activity:read",
  },
  listVerifierKeys: { method: "get", path: "/v1/integrity/keys", scope: "activity:read" },
  listStreams: { method: "get", path: "/v1/streams", scope: "admin" },
  createStream: { method: "post", path: "/v1/streams", scope: "admin" },
  getStream: { method: "get", path: "/v1/streams/{stream_id}", scope: "admin" },
  updateStream: { method: "patch", path: "/v1/streams/{stream_id}", scope: "admin" },
  deleteStream: { method: "delete", path: "/v1/streams/{stream_id}", scope: "admin" },
  rotateStreamSecret: {
    method: "post",
    path: "/v1/streams/{stream_id}/rotate-secret",
    scope: "admin",
  },
  testStream: { method: "post", path: "/v1/streams/{stream_id}/test", scope: "admin" },
  replayStream: { method: "post", path: "/v1/streams/{stream_id}/replay", scope: "admin" },
  listStreamDeliveries: {
    method: "get",
    path: "/v1/streams/{stream_id}/deliveries",
    scope: "admin",
  },
  revokeViewerToken: {
    method: "delete",
    path: "/v1/viewer-tokens/{viewer_token_id}",
    scope: "admin",
  },
  getLiveness: { method: "get", path: "/v1/health/live", scope: "none" },
  getReadiness: { method: "get", path: "/v1/health/ready", scope: "none" },
};

interface Operation {
  operationId: string;
  "x-required-scope": string;
  security: unknown[];
  responses: Record<string, { $ref?: string }>;
}

function operationsOf(document: OpenApiDocument) {
  const found: Array<{ method: string; path: string; operation: Operation }> = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (method === "parameters") continue;
      found.push({ method, path, operation: operation as Operation });
    }
  }
  return found;
}

function resolve(document: OpenApiDocument, ref: string): Record<string, unknown> {
  let target: unknown = document;
  for (const key of ref.slice(2).split("/")) target = (target as Record<string, unknown>)[key];
  return target as Record<string, unknown>;
}

describe("the bundled contract", () => {
  const operations = operationsOf(openapiDocument);

  it("is a self-contained OpenAPI 3.1 document", () => {
    expect(openapiDocument.openapi).toBe("3.1.0");
    const refs = JSON.stringify(openapiDocument).match(/"\$ref":\s*"[^"]*"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/"#\/components\//);
  });

  it("has exactly the v1 operations, at their paths, with their scopes", () => {
    const actual = Object.fromEntries(
      operations.map(({ method, path, operation }) => [
        operation.operationId,
        { method, path, scope: operation["x-required-scope"] },
      ]),
    );
    expect(actual).toEqual(EXPECTED);
  });

  it("states security on every operation, empty only where no scope is needed", () => {
    for (const { operation } of operations) {
      const open = operation["x-required-scope"] === "none";
      expect(operation.security, operation.operationId).toEqual(
        open ? [] : [{ BearerAuth: [] }, { BasicAuth: [] }],
      );
    }
  });

  it("answers every 4xx and 5xx with a shared problem+json response", () => {
    for (const { operation } of operations) {
      const errors = Object.entries(operation.responses).filter(([status]) => /^[45]/.test(status));
      expect(errors.length, operation.operationId).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        expect(response.$ref, `${operation.operationId} ${status}`).toMatch(
          /^#\/components\/responses\//,
        );
        const content = resolve(openapiDocument, response.$ref ?? "").content as object;
        expect(Object.keys(content)).toEqual(["application/problem+json"]);
      }
    }
  });

  it("enumerates exactly the problem codes of docs/design.md's error table", () => {
    const design = readFileSync(new URL("../../../docs/design.md", import.meta.url), "utf8");
    const table = [...design.matchAll(/^\| (\d{3}) +\| `([a-z_]+)` +\|/gm)];
    const schemas = openapiDocument.components.schemas ?? {};
    const codes = (schemas.ProblemCode as { enum: string[] }).enum;
    expect(table.length).toBeGreaterThan(10);
    expect([...codes].sort()).toEqual(table.map((row) => row[2]).sort());
    expect(codes).toContain("method_not_allowed");
  });

  it("has no `default` in a schema a response uses (generate.mjs types defaults as optional)", () => {
    const withDefault: string[] = [];
    const visited = new Set<string>();
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => {
          walk(item, `${where}/${i}`);
        });
        return;
      }
      if (typeof node !== "object" || node === null) return;
      const schema = node as Record<string, unknown>;
      if (typeof schema.$ref === "string") {
        if (visited.has(schema.$ref)) return;
        visited.add(schema.$ref);
        walk(resolve(openapiDocument, schema.$ref), schema.$ref);
        return;
      }
      if ("default" in schema) withDefault.push(where);
      for (const [key, value] of Object.entries(schema)) {
        if (key === "properties" && typeof value === "object" && value !== null) {
          for (const [name, member] of Object.entries(value)) walk(member, `${where}/${name}`);
        } else if (key !== "example" && key !== "examples") {
          walk(value, `${where}/${key}`);
        }
      }
    };
    for (const { operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const resolved = response.$ref ? resolve(openapiDocument, response.$ref) : response;
        walk((resolved as { content?: unknown }).content, `${operation.operationId} ${status}`);
      }
    }
    expect(visited.size).toBeGreaterThan(5);
    expect(withDefault).toEqual([]);
  });

  it("declares the body limits of the two event writes", () => {
    const limits = Object.fromEntries(
      operations
        .filter(({ operation }) => "x-chronicle-max-body-bytes" in operation)
        .map(({ operation }) => [
          operation.operationId,
          (operation as unknown as Record<string, unknown>)["x-chronicle-max-body-bytes"],
        ]),
    );
    expect(limits).toEqual({ createEvent: 262_144, createEventBatch: 8_388_608 });
  });

  it("bounds every `uniqueItems` array (ajv compares its items pairwise)", () => {
    /** Every object in the document below `node`, with where it is. */
    function* objectsIn(
      node: unknown,
      where: string,
    ): Generator<[string, Record<string, unknown>]> {
      if (typeof node !== "object" || node === null) return;
      if (!Array.isArray(node)) yield [where, node as Record<string, unknown>];
      for (const [key, value] of Object.entries(node)) yield* objectsIn(value, `${where}/${key}`);
    }
    const unbounded = [...objectsIn(openapiDocument, "#")]
      .filter(([, schema]) => schema.uniqueItems === true)
      .filter(([, schema]) => !(typeof schema.maxItems === "number" && schema.maxItems <= 100))
      .map(([where]) => where);
    expect(unbounded).toEqual([]);
  });
});
