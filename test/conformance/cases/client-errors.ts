import { expect } from "vitest";
import type { CallResult } from "../support/recording-client.js";
import type { ConformanceCase } from "./context.js";
import { sample, sampleEvent, send, UNKNOWN_EVENT_ID, UNKNOWN_KEY_ID } from "./samples.js";

const bad = (
  operationId: string,
  status: number,
  code: string,
  when: string,
  run: ConformanceCase["run"],
  check?: ConformanceCase["check"],
): ConformanceCase => ({ operationId, status, code, when, run, ...(check ? { check } : {}) });

const pointers = (r: CallResult) =>
  (r.json?.errors ?? []).map((e: { pointer: string }) => e.pointer);

/** The client errors each operation documents, provoked the way a client would. */
export const CLIENT_ERRORS: ConformanceCase[] = [
  // --- 400 -------------------------------------------------------------------------------
  bad("getHealth", 400, "unsupported_version", "an unknown Chronicle-Version", (ctx) =>
    ctx.api.call("GET", "/v1/health", {
      key: null,
      headers: { "Chronicle-Version": "1999-01-01" },
    }),
  ),
  ...(["getLiveness", "getReadiness"] as const).map((operationId) =>
    bad(operationId, 400, "unsupported_version", "an unknown Chronicle-Version", (ctx) =>
      ctx.api.call("GET", operationId === "getLiveness" ? "/v1/health/live" : "/v1/health/ready", {
        key: null,
        headers: { "Chronicle-Version": "1999-01-01" },
      }),
    ),
  ),
  bad("createEvent", 400, "invalid_json", "a body that is not JSON", (ctx) =>
    ctx.api.call("POST", "/v1/events", {
      raw: '{"action":',
      headers: { "Content-Type": "application/json" },
    }),
  ),
  bad(
    "createEvent",
    400,
    "invalid_parameter",
    "an Idempotency-Key over 255 characters",
    (ctx) =>
      send(ctx.api, sample("createEvent", ctx), {
        headers: { "Idempotency-Key": "k".repeat(256) },
      }),
    (r) => expect(pointers(r)).toContain("/header/Idempotency-Key"),
  ),
  bad("createEventBatch", 400, "invalid_json", "a body that is not JSON", (ctx) =>
    ctx.api.call("POST", "/v1/events/batch", {
      raw: "[1,",
      headers: { "Content-Type": "application/json" },
    }),
  ),
  bad(
    "listEvents",
    400,
    "invalid_parameter",
    "limit=0",
    (ctx) => ctx.api.call("GET", "/v1/events?limit=0"),
    (r) => expect(pointers(r)).toContain("/query/limit"),
  ),
  bad("listEvents", 400, "invalid_parameter", "an unknown query parameter", (ctx) =>
    ctx.api.call("GET", "/v1/events?colour=blue"),
  ),
  bad("listEvents", 400, "invalid_cursor", "a tampered cursor", async (ctx) => {
    const first = await ctx.api.call("GET", "/v1/events?limit=1");
    const cursor = first.json.next_cursor as string;
    const flipped = cursor.slice(0, 5) + (cursor[5] === "A" ? "B" : "A") + cursor.slice(6);
    return ctx.api.call("GET", `/v1/events?limit=1&cursor=${encodeURIComponent(flipped)}`);
  }),
  bad("listEvents", 400, "invalid_cursor", "a cursor made for other filters", async (ctx) => {
    const first = await ctx.api.call("GET", "/v1/events?limit=1");
    return ctx.api.call(
      "GET",
      `/v1/events?limit=1&actor_type=user&cursor=${first.json.next_cursor}`,
    );
  }),
  bad("exportEvents", 400, "invalid_parameter", "format=xml", (ctx) =>
    ctx.api.call("GET", "/v1/events/export?format=xml"),
  ),
  bad("streamEvents", 400, "invalid_parameter", "a Last-Event-ID that is not a seq", (ctx) =>
    ctx.api.call("GET", "/v1/events/stream", { headers: { "Last-Event-ID": "abc" } }),
  ),
  bad(
    "getEvent",
    400,
    "invalid_parameter",
    "an id that is not an event id",
    (ctx) => ctx.api.call("GET", "/v1/events/not-an-id"),
    (r) => expect(pointers(r)).toContain("/path/event_id"),
  ),
  bad("listTargetEvents", 400, "invalid_parameter", "limit=500", (ctx) =>
    ctx.api.call("GET", "/v1/targets/issue/ISS-1/events?limit=500"),
  ),
  bad("listTargetEvents", 400, "invalid_cursor", "a cursor of another target", async (ctx) => {
    const other = await ctx.api.call("GET", "/v1/targets/issue/ISS-2/events?limit=1");
    const cursor =
      other.json.next_cursor ?? (await ctx.api.call("GET", "/v1/events?limit=1")).json.next_cursor;
    return ctx.api.call("GET", `/v1/targets/issue/ISS-1/events?limit=1&cursor=${cursor}`);
  }),
  bad("listWorkspaceEvents", 400, "invalid_parameter", "order=sideways", (ctx) =>
    ctx.api.call("GET", "/v1/workspaces/ws_acme/events?order=sideways"),
  ),
  bad("listActions", 400, "invalid_parameter", "an unknown query parameter", (ctx) =>
    ctx.api.call("GET", "/v1/actions?limit=5"),
  ),
  bad(
    "defineAction",
    400,
    "invalid_parameter",
    "an action name that is not dotted lower case",
    (ctx) => ctx.api.call("PUT", "/v1/actions/Invoice-Paid", { body: { description: "x" } }),
    (r) => expect(pointers(r)).toContain("/path/action"),
  ),
  bad("verifyIntegrity", 400, "invalid_parameter", "from_seq=0", (ctx) =>
    ctx.api.call("GET", "/v1/integrity?from_seq=0"),
  ),
  bad("getCheckpoint", 400, "invalid_parameter", "an unknown query parameter", (ctx) =>
    ctx.api.call("GET", "/v1/integrity/checkpoint?size=3"),
  ),
  bad(
    "getInclusionProof",
    400,
    "invalid_parameter",
    "a seq beyond the tree",
    (ctx) => ctx.api.call("GET", "/v1/integrity/proofs/inclusion?seq=1000000"),
    (r) => expect(pointers(r)).toContain("/query/seq"),
  ),
  bad(
    "getConsistencyProof",
    400,
    "invalid_parameter",
    "from_size above to_size",
    (ctx) => ctx.api.call("GET", "/v1/integrity/proofs/consistency?from_size=3&to_size=2"),
    (r) => expect(pointers(r)).toContain("/query/from_size"),
  ),
  bad("listVerifierKeys", 400, "invalid_parameter", "an unknown query parameter", (ctx) =>
    ctx.api.call("GET", "/v1/integrity/keys?all=true"),
  ),
  bad("updateProject", 400, "invalid_json", "a body that is not JSON", (ctx) =>
    ctx.api.call("PATCH", "/v1/project", {
      raw: "{",
      headers: { "Content-Type": "application/json" },
    }),
  ),
  bad("createApiKey", 400, "invalid_json", "a body that is not JSON", (ctx) =>
    ctx.api.call("POST", "/v1/api-keys", {
      raw: "nope",
      headers: { "Content-Type": "application/json" },
    }),
  ),
  bad("revokeApiKey", 400, "invalid_parameter", "an id that is not a key id", (ctx) =>
    ctx.api.call("DELETE", "/v1/api-keys/chr_secret"),
  ),
  bad("updateApiKey", 400, "invalid_parameter", "an id that is not a key id", (ctx) =>
    ctx.api.call("PATCH", "/v1/api-keys/chr_secret", { body: { name: "x" } }),
  ),
  bad("rotateApiKey", 400, "invalid_parameter", "an id that is not a key id", (ctx) =>
    ctx.api.call("POST", "/v1/api-keys/chr_secret/rotate", { body: {} }),
  ),
  bad("createViewerToken", 400, "invalid_json", "a body that is not JSON", (ctx) =>
    ctx.api.call("POST", "/v1/viewer-tokens", {
      raw: "{]",
      headers: { "Content-Type": "application/json" },
    }),
  ),

  // --- 401 / 403 beyond the generated ones -------------------------------------------------
  bad("listEvents", 401, "unauthorized", "a malformed Authorization header", (ctx) =>
    ctx.api.call("GET", "/v1/events", {
      key: null,
      headers: { Authorization: "Basic Zm9vOmJhcg==" },
    }),
  ),
  bad("getProject", 403, "forbidden", "a viewer token", (ctx) =>
    ctx.api.call("GET", "/v1/project", { key: ctx.keys.viewer }),
  ),
  bad("listWorkspaceEvents", 403, "forbidden", "a viewer token outside its workspace", (ctx) =>
    ctx.api.call("GET", "/v1/workspaces/ws_other/events", { key: ctx.keys.viewer }),
  ),

  // --- 404 -------------------------------------------------------------------------------
  bad("getEvent", 404, "not_found", "an unknown event id", (ctx) =>
    ctx.api.call("GET", `/v1/events/${UNKNOWN_EVENT_ID}`),
  ),
  bad("getEvent", 404, "not_found", "another project's event id", (ctx) =>
    ctx.api.call("GET", `/v1/events/${ctx.otherProjectEventId}`),
  ),
  bad(
    "getInclusionProof",
    404,
    "not_found",
    "a viewer token asking for another workspace's event",
    async (ctx) => {
      const other = await ctx.api.call("POST", "/v1/events", {
        body: sampleEvent({ workspace_id: "ws_other" }),
      });
      return ctx.api.call("GET", `/v1/integrity/proofs/inclusion?seq=${other.json.seq}`, {
        key: ctx.keys.viewer,
      });
    },
  ),
  bad("revokeApiKey", 404, "not_found", "an unknown key id", (ctx) =>
    ctx.api.call("DELETE", `/v1/api-keys/${UNKNOWN_KEY_ID}`),
  ),
  bad("updateApiKey", 404, "not_found", "an unknown key id", (ctx) =>
    ctx.api.call("PATCH", `/v1/api-keys/${UNKNOWN_KEY_ID}`, { body: { name: "x" } }),
  ),
  bad("rotateApiKey", 404, "not_found", "an unknown key id", (ctx) =>
    ctx.api.call("POST", `/v1/api-keys/${UNKNOWN_KEY_ID}/rotate`, { body: {} }),
  ),

  // --- 409 -------------------------------------------------------------------------------
  bad(
    "createEvent",
    409,
    "idempotency_conflict",
    "the same Idempotency-Key with another body",
    async (ctx) => {
      const headers = { "Idempotency-Key": `conflict-${ctx.kind}` };
      await ctx.api.call("POST", "/v1/events", { body: sampleEvent(), headers });
      return ctx.api.call("POST", "/v1/events", {
        body: sampleEvent({ summary: "other" }),
        headers,
      });
    },
  ),
  bad(
    "createEventBatch",
    409,
    "idempotency_conflict",
    "the same Idempotency-Key with another batch",
    async (ctx) => {
      const headers = { "Idempotency-Key": `batch-conflict-${ctx.kind}` };
      await ctx.api.call("POST", "/v1/events/batch", {
        body: { events: [sampleEvent()] },
        headers,
      });
      return ctx.api.call("POST", "/v1/events/batch", {
        body: { events: [sampleEvent(), sampleEvent()] },
        headers,
      });
    },
  ),

  // --- 413 / 415 -------------------------------------------------------------------------
  ...[
    ["createEvent", "POST", "/v1/events", 256 * 1024],
    ["createEventBatch", "POST", "/v1/events/batch", 8 * 1024 * 1024],
    ["defineAction", "PUT", "/v1/actions/invoice.paid", 256 * 1024],
    ["updateProject", "PATCH", "/v1/project", 256 * 1024],
    ["createApiKey", "POST", "/v1/api-keys", 256 * 1024],
    ["updateApiKey", "PATCH", `/v1/api-keys/${UNKNOWN_KEY_ID}`, 256 * 1024],
    ["rotateApiKey", "POST", `/v1/api-keys/${UNKNOWN_KEY_ID}/rotate`, 256 * 1024],
    ["createViewerToken", "POST", "/v1/viewer-tokens", 256 * 1024],
  ].flatMap(([operationId, method, path, limit]) => [
    bad(operationId as string, 413, "payload_too_large", `a body over ${limit} bytes`, (ctx) =>
      ctx.api.call(method as string, path as string, {
        raw: JSON.stringify({ name: "x".repeat((limit as number) + 1) }),
        headers: { "Content-Type": "application/json" },
      }),
    ),
    bad(operationId as string, 415, "unsupported_media_type", "a text/plain body", (ctx) =>
      ctx.api.call(method as string, path as string, {
        raw: "hello",
        headers: { "Content-Type": "text/plain" },
      }),
    ),
  ]),

  // --- 422 -------------------------------------------------------------------------------
  bad(
    "createEvent",
    422,
    "validation_failed",
    "a bad action and actor type",
    (ctx) =>
      ctx.api.call("POST", "/v1/events", {
        body: sampleEvent({ action: "Not An Action", actor: { type: "robot", id: "r1" } }),
      }),
    (r) => expect(pointers(r)).toEqual(expect.arrayContaining(["/action", "/actor/type"])),
  ),
  bad(
    "createEvent",
    422,
    "validation_failed",
    "metadata breaking its action's schema",
    async (ctx) => {
      await send(ctx.api, sample("defineAction", ctx));
      return ctx.api.call("POST", "/v1/events", {
        body: sampleEvent({ action: "invoice.paid", metadata: { amount: -3 } }),
      });
    },
    (r) => expect(pointers(r).some((p: string) => p.startsWith("/metadata"))).toBe(true),
  ),
  bad(
    "createEventBatch",
    422,
    "validation_failed",
    "one bad item among good ones",
    (ctx) =>
      ctx.api.call("POST", "/v1/events/batch", {
        body: { events: [sampleEvent(), sampleEvent({ actor: { type: "robot", id: "r1" } })] },
      }),
    (r) => expect(pointers(r)).toContain("/events/1/actor/type"),
  ),
  bad("defineAction", 422, "validation_failed", "a description that is not a string", (ctx) =>
    ctx.api.call("PUT", "/v1/actions/invoice.paid", { body: { description: 42 } }),
  ),
  bad(
    "defineAction",
    422,
    "validation_failed",
    "a metadata_schema that is not a JSON Schema",
    (ctx) =>
      ctx.api.call("PUT", "/v1/actions/invoice.paid", {
        body: { metadata_schema: { type: "nonsense" } },
      }),
  ),
  bad("deleteProject", 422, "confirmation_mismatch", "a confirmation that is not the name", (ctx) =>
    send(ctx.api, sample("deleteProject", ctx)),
  ),
  bad("listActionSchemas", 404, "not_found", "an action the catalog does not know", (ctx) =>
    ctx.api.call("GET", "/v1/actions/never.seen/schemas"),
  ),
  bad("updateProject", 409, "slug_taken", "a slug another project has", async (ctx) => {
    await ctx.api.call("PATCH", "/v1/project", {
      body: { slug: "conformance-b" },
      key: ctx.otherProjectKey,
    });
    return ctx.api.call("PATCH", "/v1/project", { body: { slug: "conformance-b" } });
  }),
  bad("updateProject", 422, "validation_failed", "an empty patch", (ctx) =>
    ctx.api.call("PATCH", "/v1/project", { body: {} }),
  ),
  bad("createApiKey", 422, "validation_failed", "an unknown scope", (ctx) =>
    ctx.api.call("POST", "/v1/api-keys", { body: { name: "x", scopes: ["root"] } }),
  ),
  bad(
    "updateApiKey",
    422,
    "validation_failed",
    "a rate limit above the operator's maximum",
    (ctx) =>
      ctx.api.call("PATCH", `/v1/api-keys/${UNKNOWN_KEY_ID}`, {
        body: { rate_limit_per_minute: 1_000_000_000 },
      }),
  ),
  bad("rotateApiKey", 422, "validation_failed", "an overlap over 7 days", (ctx) =>
    ctx.api.call("POST", `/v1/api-keys/${UNKNOWN_KEY_ID}/rotate`, {
      body: { overlap_seconds: 8 * 86_400 },
    }),
  ),
  bad("createViewerToken", 422, "validation_failed", "a ttl under a minute", (ctx) =>
    ctx.api.call("POST", "/v1/viewer-tokens", {
      body: { workspace_id: "ws_acme", ttl_seconds: 5 },
    }),
  ),
];
