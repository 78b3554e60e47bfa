import { expect } from "vitest";
import type { RecordingClient } from "../support/recording-client.js";
import type { ConformanceCase, ConformanceContext } from "./context.js";
import { CREDENTIAL_FORBIDDEN_WITH } from "./credential-samples.js";
import { SAMPLES, sample, send, untilRateLimited } from "./samples.js";
import { STREAM_FORBIDDEN_WITH } from "./stream-samples.js";

/** The statuses every authenticated operation can give, one generated case each. */
const UNAUTHENTICATED = new Set(["getHealth", "getLiveness", "getReadiness"]);
const AUTHENTICATED = Object.keys(SAMPLES).filter((id) => !UNAUTHENTICATED.has(id));

/** The scope a key lacks for each operation, expressed as the key to use for a 403. */
const FORBIDDEN_WITH: Record<string, keyof ConformanceContext["keys"]> = {
  createEvent: "read",
  createEventBatch: "read",
  listEvents: "write",
  exportEvents: "read",
  streamEvents: "write",
  getEvent: "write",
  listTargetEvents: "write",
  listWorkspaceEvents: "export",
  listActions: "write",
  defineAction: "read",
  listActionSchemas: "write",
  verifyIntegrity: "export",
  getCheckpoint: "write",
  getInclusionProof: "write",
  getConsistencyProof: "write",
  listVerifierKeys: "write",
  getProject: "write",
  updateProject: "read",
  deleteProject: "read",
  listApiKeys: "read",
  createApiKey: "write",
  revokeApiKey: "export",
  updateApiKey: "read",
  rotateApiKey: "write",
  createViewerToken: "write",
  ...STREAM_FORBIDDEN_WITH,
  ...CREDENTIAL_FORBIDDEN_WITH,
};

export const EVERY_OPERATION: ConformanceCase[] = [
  ...AUTHENTICATED.map(
    (operationId, index): ConformanceCase => ({
      operationId,
      status: 401,
      code: "unauthorized",
      when: index % 2 === 0 ? "no Authorization header" : "an unknown key",
      run: (ctx) =>
        send(ctx.api, sample(operationId, ctx), {
          key: index % 2 === 0 ? null : "chr_unknownunknownunknownunknown",
        }),
      check: (r) => expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/),
    }),
  ),
  ...AUTHENTICATED.map(
    (operationId): ConformanceCase => ({
      operationId,
      status: 403,
      code: "forbidden",
      when: `a key with only ${FORBIDDEN_WITH[operationId]} scope`,
      run: (ctx) =>
        send(ctx.api, sample(operationId, ctx), {
          key: ctx.keys[FORBIDDEN_WITH[operationId] as keyof ConformanceContext["keys"]],
        }),
    }),
  ),
  ...AUTHENTICATED.map(
    (operationId): ConformanceCase => ({
      operationId,
      status: 429,
      code: "rate_limit_exceeded",
      when: "the key used up its requests for the minute",
      run: (ctx) => untilRateLimited(ctx, sample(operationId, ctx)),
      check: (r) => expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1),
    }),
  ),
  // Liveness does not consult the database, so it has no 503.
  ...Object.keys(SAMPLES)
    .filter((id) => id !== "getLiveness")
    .map(
      (operationId): ConformanceCase => ({
        operationId,
        status: 503,
        code: "unavailable",
        when: "the database connection is cut",
        stores: ["postgres"],
        run: (ctx) => send(ctx.down as RecordingClient, sample(operationId, ctx)),
        check: (r) => expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1),
      }),
    ),
  ...AUTHENTICATED.map(
    (operationId): ConformanceCase => ({
      operationId,
      status: 400,
      code: "unsupported_version",
      when: "an unknown Chronicle-Version",
      run: (ctx) =>
        send(ctx.api, sample(operationId, ctx), { headers: { "Chronicle-Version": "1999-01-01" } }),
    }),
  ),
];
