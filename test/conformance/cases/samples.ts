import type { CallOptions, CallResult, RecordingClient } from "../support/recording-client.js";
import type { ConformanceContext } from "./context.js";
import { CREDENTIAL_SAMPLES } from "./credential-samples.js";
import { STREAM_SAMPLES } from "./stream-samples.js";

export function sampleEvent(overrides: Record<string, unknown> = {}) {
  return {
    action: "issue.updated",
    actor: {
      type: "agent",
      id: "agt_triage",
      name: "Triage bot",
      on_behalf_of: { type: "user", id: "usr_1", name: "Ada", email: "ada@example.com" },
    },
    target: { type: "issue", id: "ISS-1", name: "First issue" },
    targets: [{ type: "project", id: "PRJ-9" }],
    workspace_id: "ws_acme",
    summary: "Triage bot closed ISS-1 for Ada",
    metadata: { priority: "high", labels: ["bug"] },
    changes: {
      before: { status: "open", owner: "ada" },
      after: { status: "closed", owner: "ada" },
    },
    context: { ip_address: "203.0.113.5", user_agent: "conformance", origin: "api" },
    occurred_at: "2026-11-20T10:00:00.5+02:00",
    ...overrides,
  };
}

export const UNKNOWN_EVENT_ID = "evt_01KMX4Q2R7B9C3D5E6F8G0H1J2";
export const UNKNOWN_KEY_ID = "key_01KMX4Q2R7B9C3D5E6F8G0H1J2";

export interface SampleRequest {
  method: string;
  path: string;
  options?: CallOptions;
}

/** One valid request per operation (the admin key may call all of them). */
export const SAMPLES: Record<string, (ctx: ConformanceContext) => SampleRequest> = {
  createEvent: () => ({ method: "POST", path: "/v1/events", options: { body: sampleEvent() } }),
  createEventBatch: () => ({
    method: "POST",
    path: "/v1/events/batch",
    options: { body: { events: [sampleEvent(), sampleEvent({ action: "issue.closed" })] } },
  }),
  listEvents: () => ({ method: "GET", path: "/v1/events?limit=5&include_total=true" }),
  exportEvents: () => ({ method: "GET", path: "/v1/events/export?format=ndjson" }),
  streamEvents: () => ({
    method: "GET",
    path: "/v1/events/stream?workspace_id=ws_acme",
    options: { headers: { "Last-Event-ID": "0" }, sseMessages: 2 },
  }),
  getEvent: (ctx) => ({ method: "GET", path: `/v1/events/${ctx.eventId}` }),
  listTargetEvents: () => ({ method: "GET", path: "/v1/targets/issue/ISS-1/events?order=asc" }),
  listWorkspaceEvents: () => ({ method: "GET", path: "/v1/workspaces/ws_acme/events" }),
  listActions: () => ({ method: "GET", path: "/v1/actions" }),
  listActionSchemas: () => ({ method: "GET", path: "/v1/actions/invoice.paid/schemas" }),
  defineAction: () => ({
    method: "PUT",
    path: "/v1/actions/invoice.paid",
    options: {
      body: {
        description: "An invoice was paid",
        metadata_schema: {
          type: "object",
          required: ["amount"],
          properties: { amount: { type: "integer", minimum: 0 } },
        },
      },
    },
  }),
  verifyIntegrity: () => ({ method: "GET", path: "/v1/integrity?from_seq=1" }),
  getCheckpoint: () => ({ method: "GET", path: "/v1/integrity/checkpoint" }),
  getInclusionProof: () => ({ method: "GET", path: "/v1/integrity/proofs/inclusion?seq=1" }),
  getConsistencyProof: () => ({
    method: "GET",
    path: "/v1/integrity/proofs/consistency?from_size=1",
  }),
  listVerifierKeys: () => ({ method: "GET", path: "/v1/integrity/keys" }),
  getProject: () => ({ method: "GET", path: "/v1/project" }),
  updateProject: () => ({
    method: "PATCH",
    path: "/v1/project",
    options: { body: { retention_days: 365 } },
  }),
  // Never the project's name: a sample sent with the admin key must not delete project A.
  deleteProject: () => ({ method: "DELETE", path: "/v1/project?confirm=Not%20this%20project" }),
  listApiKeys: () => ({ method: "GET", path: "/v1/api-keys" }),
  createApiKey: () => ({
    method: "POST",
    path: "/v1/api-keys",
    options: { body: { name: "Support", scopes: ["activity:read"] } },
  }),
  revokeApiKey: () => ({ method: "DELETE", path: `/v1/api-keys/${UNKNOWN_KEY_ID}` }),
  updateApiKey: () => ({
    method: "PATCH",
    path: `/v1/api-keys/${UNKNOWN_KEY_ID}`,
    options: { body: { rate_limit_per_minute: 1200 } },
  }),
  rotateApiKey: () => ({
    method: "POST",
    path: `/v1/api-keys/${UNKNOWN_KEY_ID}/rotate`,
    options: { body: { overlap_seconds: 3600 } },
  }),
  createViewerToken: () => ({
    method: "POST",
    path: "/v1/viewer-tokens",
    options: { body: { workspace_id: "ws_acme", ttl_seconds: 600 } },
  }),
  ...STREAM_SAMPLES,
  ...CREDENTIAL_SAMPLES,
  getHealth: () => ({ method: "GET", path: "/v1/health" }),
  getLiveness: () => ({ method: "GET", path: "/v1/health/live" }),
  getReadiness: () => ({ method: "GET", path: "/v1/health/ready" }),
};

export function sample(operationId: string, ctx: ConformanceContext): SampleRequest {
  const make = SAMPLES[operationId];
  if (!make) throw new Error(`no sample request for ${operationId}`);
  return make(ctx);
}

export function send(client: RecordingClient, request: SampleRequest, extra: CallOptions = {}) {
  return client.call(request.method, request.path, {
    ...request.options,
    ...extra,
    headers: { ...request.options?.headers, ...extra.headers },
  });
}

/** Requests on a one-per-minute key until one is refused (at most three, across a window edge). */
export async function untilRateLimited(ctx: ConformanceContext, request: SampleRequest) {
  let last: CallResult | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    await ctx.limited.call("GET", "/v1/project");
    last = await send(ctx.limited, request);
    if (last.status === 429) return last;
  }
  return last as CallResult;
}
