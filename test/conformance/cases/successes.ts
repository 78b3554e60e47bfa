import { expect } from "vitest";
import type { ConformanceCase } from "./context.js";
import { sample, sampleEvent, send } from "./samples.js";

const ok = (
  operationId: string,
  status: number,
  when: string,
  run: ConformanceCase["run"],
  check?: ConformanceCase["check"],
): ConformanceCase => ({ operationId, status, when, run, ...(check ? { check } : {}) });

/** Each operation's success answers, with checks of what the body must say. */
export const SUCCESSES: ConformanceCase[] = [
  ok("getHealth", 200, "no credential at all", (ctx) =>
    ctx.api.call("GET", "/v1/health", { key: null }),
  ),
  ok("getLiveness", 200, "no credential at all", (ctx) =>
    ctx.api.call("GET", "/v1/health/live", { key: null }),
  ),
  ok(
    "getReadiness",
    200,
    "no credential, the database migrated",
    (ctx) => ctx.api.call("GET", "/v1/health/ready", { key: null }),
    (r) => expect(r.json.schema_version).toBeGreaterThanOrEqual(1),
  ),
  ok(
    "createEvent",
    201,
    "a full event",
    (ctx) => send(ctx.api, sample("createEvent", ctx)),
    (r) => {
      expect(r.headers.get("location")).toBe(`/v1/events/${r.json.id}`);
      expect(r.json.changed_fields).toEqual(["status"]);
      expect(r.json.occurred_at).toBe("2026-11-20T08:00:00.500Z");
    },
  ),
  ok(
    "createEvent",
    201,
    "a retry with the same Idempotency-Key replays the first result",
    async (ctx) => {
      const headers = { "Idempotency-Key": `replay-${ctx.kind}` };
      const first = await ctx.api.call("POST", "/v1/events", { body: sampleEvent(), headers });
      const again = await ctx.api.call("POST", "/v1/events", { body: sampleEvent(), headers });
      expect(again.json.id).toBe(first.json.id);
      return again;
    },
    (r) => expect(r.headers.get("idempotent-replayed")).toBe("true"),
  ),
  ok(
    "createEventBatch",
    201,
    "two events",
    (ctx) => send(ctx.api, sample("createEventBatch", ctx)),
    (r) => {
      expect(r.json.data).toHaveLength(2);
      expect(r.json.data[1].seq).toBe(r.json.data[0].seq + 1);
    },
  ),
  ok(
    "listEvents",
    200,
    "a page with a total",
    (ctx) => send(ctx.api, sample("listEvents", ctx)),
    (r) => expect(typeof r.json.total).toBe("number"),
  ),
  ok(
    "listEvents",
    200,
    "the next page through next_cursor",
    async (ctx) => {
      const first = await ctx.api.call("GET", "/v1/events?limit=1&action=issue.*");
      expect(first.json.next_cursor).toEqual(expect.any(String));
      return ctx.api.call(
        "GET",
        `/v1/events?limit=1&action=issue.*&cursor=${first.json.next_cursor}`,
      );
    },
    (r) => expect(r.json.prev_cursor).toEqual(expect.any(String)),
  ),
  ok("listEvents", 200, "start_time is in the year 1000 (any RFC 3339 year from 0001)", (ctx) =>
    ctx.api.call("GET", "/v1/events?start_time=1000-01-01T00:00:00Z&limit=1"),
  ),
  ok(
    "createEvent",
    201,
    "occurred_at is in 1800",
    (ctx) =>
      ctx.api.call("POST", "/v1/events", {
        body: sampleEvent({ occurred_at: "1800-01-01T00:00:00Z" }),
      }),
    (r) => expect(r.json.occurred_at).toBe("1800-01-01T00:00:00.000Z"),
  ),
  ok(
    "exportEvents",
    200,
    "NDJSON",
    (ctx) => send(ctx.api, sample("exportEvents", ctx)),
    (r) => expect(r.text.split("\n").length).toBeGreaterThan(1),
  ),
  ok(
    "exportEvents",
    200,
    "CSV",
    (ctx) => ctx.api.call("GET", "/v1/events/export?format=csv"),
    (r) => expect(r.text.split("\n")[0]).toContain("action"),
  ),
  ok(
    "streamEvents",
    200,
    "resuming from Last-Event-ID 0",
    (ctx) => send(ctx.api, sample("streamEvents", ctx)),
    (r) => expect(r.sseData?.length).toBeGreaterThanOrEqual(2),
  ),
  ok(
    "getEvent",
    200,
    "an event of the project",
    (ctx) => send(ctx.api, sample("getEvent", ctx)),
    (r) => expect(r.json.id).toMatch(/^evt_/),
  ),
  ok(
    "getEvent",
    304,
    "If-None-Match holds the event's ETag",
    async (ctx) => {
      const first = await send(ctx.api, sample("getEvent", ctx));
      const etag = first.headers.get("etag") ?? "";
      return ctx.api.call("GET", `/v1/events/${ctx.eventId}`, {
        headers: { "If-None-Match": `W/"0000", ${etag}` },
      });
    },
    (r) => {
      expect(r.text).toBe("");
      expect(r.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
      expect(r.headers.get("cache-control")).toBe("private, max-age=86400, immutable");
    },
  ),
  ok(
    "listTargetEvents",
    200,
    "one target's feed",
    (ctx) => send(ctx.api, sample("listTargetEvents", ctx)),
    (r) => expect(r.json.data.length).toBeGreaterThan(0),
  ),
  ok("listWorkspaceEvents", 200, "one workspace's feed", (ctx) =>
    send(ctx.api, sample("listWorkspaceEvents", ctx)),
  ),
  ok(
    "listWorkspaceEvents",
    200,
    "a viewer token pinned to that workspace",
    (ctx) => ctx.api.call("GET", "/v1/workspaces/ws_acme/events", { key: ctx.keys.viewer }),
    (r) =>
      expect(r.json.data.every((e: { workspace_id: string }) => e.workspace_id === "ws_acme")).toBe(
        true,
      ),
  ),
  ok("defineAction", 200, "a description and a metadata schema", (ctx) =>
    send(ctx.api, sample("defineAction", ctx)),
  ),
  ok("listActions", 200, "actions seen and defined", (ctx) =>
    send(ctx.api, sample("listActions", ctx)),
  ),
  ok(
    "listActionSchemas",
    200,
    "a defined action's schema versions",
    async (ctx) => {
      await send(ctx.api, sample("defineAction", ctx));
      return send(ctx.api, sample("listActionSchemas", ctx));
    },
    (r) => expect(r.json.data[0].version).toBeGreaterThanOrEqual(1),
  ),
  ok(
    "deleteProject",
    202,
    "confirmed by the project's name",
    (ctx) =>
      ctx.api.call("DELETE", "/v1/project?confirm=Conformance%20deleted", {
        key: ctx.deletedProjectKey,
      }),
    (r) => expect(r.json.name).toBe("Conformance deleted"),
  ),
  ok(
    "verifyIntegrity",
    200,
    "the whole chain",
    (ctx) => send(ctx.api, sample("verifyIntegrity", ctx)),
    (r) => expect(r.json.valid).toBe(true),
  ),
  ok(
    "getCheckpoint",
    200,
    "the latest signed checkpoint, for a viewer token too",
    (ctx) => ctx.api.call("GET", "/v1/integrity/checkpoint", { key: ctx.keys.viewer }),
    (r) => expect(r.json.note.startsWith(`${r.json.origin}\n${r.json.tree_size}\n`)).toBe(true),
  ),
  ok(
    "getInclusionProof",
    200,
    "the first event in the latest tree",
    (ctx) => send(ctx.api, sample("getInclusionProof", ctx)),
    (r) => expect(r.json.leaf_index).toBe(0),
  ),
  ok(
    "getConsistencyProof",
    200,
    "from the first event to the latest tree",
    (ctx) => send(ctx.api, sample("getConsistencyProof", ctx)),
    (r) => expect(r.json.from_size).toBe(1),
  ),
  ok(
    "listVerifierKeys",
    200,
    "the current key",
    (ctx) => send(ctx.api, sample("listVerifierKeys", ctx)),
    (r) => expect(r.json.data[0].current).toBe(true),
  ),
  ok("getProject", 200, "with counts", (ctx) => send(ctx.api, sample("getProject", ctx))),
  ok(
    "updateProject",
    200,
    "a retention setting",
    (ctx) => send(ctx.api, sample("updateProject", ctx)),
    (r) => expect(r.json.retention_days).toBe(365),
  ),
  ok("listApiKeys", 200, "every key", (ctx) => send(ctx.api, sample("listApiKeys", ctx))),
  ok("createApiKey", 201, "a read-only key", (ctx) => send(ctx.api, sample("createApiKey", ctx))),
  ok(
    "revokeApiKey",
    200,
    "a key of the project",
    async (ctx) => {
      const created = await send(ctx.api, sample("createApiKey", ctx));
      return ctx.api.call("DELETE", `/v1/api-keys/${created.json.id}`);
    },
    (r) => expect(r.json.revoked_at).toEqual(expect.any(String)),
  ),
  ok(
    "updateApiKey",
    200,
    "a rate limit of its own",
    async (ctx) => {
      const created = await send(ctx.api, sample("createApiKey", ctx));
      return ctx.api.call("PATCH", `/v1/api-keys/${created.json.id}`, {
        body: { rate_limit_per_minute: 1200 },
      });
    },
    (r) => expect(r.json.rate_limit_per_minute).toBe(1200),
  ),
  ok(
    "rotateApiKey",
    200,
    "a key of the project",
    async (ctx) => {
      const created = await send(ctx.api, sample("createApiKey", ctx));
      return ctx.api.call("POST", `/v1/api-keys/${created.json.id}/rotate`, {
        body: { overlap_seconds: 60 },
      });
    },
    (r) => expect(r.json.previous_key_expires_at).toEqual(expect.any(String)),
  ),
  ok("createViewerToken", 201, "for one workspace", (ctx) =>
    send(ctx.api, sample("createViewerToken", ctx)),
  ),
];
