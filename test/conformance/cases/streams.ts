import { expect } from "vitest";
import type { ConformanceCase, ConformanceContext } from "./context.js";
import { sample, send } from "./samples.js";
import { CLOSED_PORT_URL } from "./stream-samples.js";

const status = (
  operationId: string,
  code: number,
  when: string,
  run: ConformanceCase["run"],
  check?: ConformanceCase["check"],
  problem?: string,
): ConformanceCase => ({
  operationId,
  status: code,
  when,
  run,
  ...(check ? { check } : {}),
  ...(problem ? { code: problem } : {}),
});

async function newStream(ctx: ConformanceContext, destination?: Record<string, unknown>) {
  const created = await ctx.api.call("POST", "/v1/streams", {
    body: {
      name: "Conformance",
      destination: destination ?? { type: "webhook", url: CLOSED_PORT_URL },
    },
  });
  expect(created.status).toBe(201);
  return created.json as { id: string; secret: string | null };
}

const BODY_OPERATIONS: [string, string, (id: string) => string][] = [
  ["createStream", "POST", () => "/v1/streams"],
  ["updateStream", "PATCH", (id) => `/v1/streams/${id}`],
  ["replayStream", "POST", (id) => `/v1/streams/${id}/replay`],
];

const PATH_OPERATIONS: [string, string, string][] = [
  ["getStream", "GET", ""],
  ["updateStream", "PATCH", ""],
  ["deleteStream", "DELETE", ""],
  ["rotateStreamSecret", "POST", "/rotate-secret"],
  ["testStream", "POST", "/test"],
  ["replayStream", "POST", "/replay"],
  ["listStreamDeliveries", "GET", "/deliveries"],
];

/** The log stream operations' successes and client errors. */
export const STREAM_CASES: ConformanceCase[] = [
  status(
    "createStream",
    201,
    "a webhook stream",
    (ctx) => send(ctx.api, sample("createStream", ctx)),
    (r) => expect(r.json.secret).toMatch(/^whsec_/),
  ),
  status("listStreams", 200, "every stream", async (ctx) => {
    await newStream(ctx);
    return send(ctx.api, sample("listStreams", ctx));
  }),
  status("getStream", 200, "a stream", async (ctx) => {
    const { id } = await newStream(ctx);
    return ctx.api.call("GET", `/v1/streams/${id}`);
  }),
  status(
    "updateStream",
    200,
    "pausing",
    async (ctx) => {
      const { id } = await newStream(ctx);
      return ctx.api.call("PATCH", `/v1/streams/${id}`, { body: { status: "paused" } });
    },
    (r) => expect(r.json.paused_reason).toBe("requested"),
  ),
  status("deleteStream", 204, "a stream", async (ctx) => {
    const { id } = await newStream(ctx);
    return ctx.api.call("DELETE", `/v1/streams/${id}`);
  }),
  status("rotateStreamSecret", 200, "a webhook stream", async (ctx) => {
    const { id } = await newStream(ctx);
    return ctx.api.call("POST", `/v1/streams/${id}/rotate-secret`);
  }),
  status(
    "testStream",
    200,
    "a destination that refuses the connection (the attempt is reported, failed)",
    async (ctx) => {
      const { id } = await newStream(ctx);
      return ctx.api.call("POST", `/v1/streams/${id}/test`);
    },
    (r) => expect(r.json.outcome).toBe("failed"),
  ),
  status("replayStream", 200, "from seq 1", async (ctx) => {
    const { id } = await newStream(ctx);
    return ctx.api.call("POST", `/v1/streams/${id}/replay`, { body: { from_seq: 1 } });
  }),
  status("listStreamDeliveries", 200, "after a test event", async (ctx) => {
    const { id } = await newStream(ctx);
    await ctx.api.call("POST", `/v1/streams/${id}/test`);
    return ctx.api.call("GET", `/v1/streams/${id}/deliveries`);
  }),

  ...PATH_OPERATIONS.flatMap(([operationId, method, suffix]) => [
    status(
      operationId,
      400,
      "a stream id that is not one",
      (ctx) =>
        ctx.api.call(method, `/v1/streams/str_nope${suffix}`, {
          ...(method === "PATCH" ? { body: { status: "paused" } } : {}),
          ...(suffix === "/replay" ? { body: { from_seq: 1 } } : {}),
        }),
      undefined,
      "invalid_parameter",
    ),
    status(
      operationId,
      404,
      "another project's or an unknown stream id",
      (ctx) => send(ctx.api, sample(operationId, ctx)),
      undefined,
      "not_found",
    ),
  ]),
  status(
    "listStreams",
    400,
    "an unknown query parameter",
    (ctx) => ctx.api.call("GET", "/v1/streams?limit=5"),
    undefined,
    "invalid_parameter",
  ),
  ...BODY_OPERATIONS.flatMap(([operationId, method, path]) => [
    status(
      operationId,
      400,
      "a body that is not JSON",
      async (ctx) =>
        ctx.api.call(
          method,
          path(operationId === "createStream" ? "" : (await newStream(ctx)).id),
          {
            raw: '{"name":',
            headers: { "Content-Type": "application/json" },
          },
        ),
      undefined,
      "invalid_json",
    ),
    status(
      operationId,
      413,
      "a body over 256 KiB",
      async (ctx) =>
        ctx.api.call(
          method,
          path(operationId === "createStream" ? "" : (await newStream(ctx)).id),
          {
            raw: JSON.stringify({ name: "x".repeat(256 * 1024 + 1) }),
            headers: { "Content-Type": "application/json" },
          },
        ),
      undefined,
      "payload_too_large",
    ),
    status(
      operationId,
      415,
      "a text/plain body",
      async (ctx) =>
        ctx.api.call(
          method,
          path(operationId === "createStream" ? "" : (await newStream(ctx)).id),
          {
            raw: "hello",
            headers: { "Content-Type": "text/plain" },
          },
        ),
      undefined,
      "unsupported_media_type",
    ),
  ]),
  status(
    "createStream",
    409,
    "one stream more than a project may have (in the other project, emptied again after)",
    async (ctx) => {
      const created: string[] = [];
      const create = () =>
        ctx.api.call("POST", "/v1/streams", {
          body: { name: "Filler", destination: { type: "webhook", url: CLOSED_PORT_URL } },
          key: ctx.otherProjectKey,
        });
      try {
        for (;;) {
          const answer = await create();
          if (answer.status !== 201) return answer;
          created.push(answer.json.id);
          if (created.length > 1000) throw new Error("no stream limit reached");
        }
      } finally {
        for (const id of created) {
          await ctx.api.call("DELETE", `/v1/streams/${id}`, { key: ctx.otherProjectKey });
        }
      }
    },
    (r) => expect(r.json.detail).toMatch(/at most \d+/),
    "stream_limit_reached",
  ),
  status(
    "createStream",
    422,
    "a destination that is not https",
    (ctx) =>
      ctx.api.call("POST", "/v1/streams", {
        body: { name: "x", destination: { type: "webhook", url: "ftp://files.example.com/" } },
      }),
    (r) => expect(r.json.errors[0].pointer).toBe("/destination/url"),
    "validation_failed",
  ),
  status(
    "updateStream",
    422,
    "an empty patch",
    async (ctx) => ctx.api.call("PATCH", `/v1/streams/${(await newStream(ctx)).id}`, { body: {} }),
    undefined,
    "validation_failed",
  ),
  status(
    "replayStream",
    422,
    "from_seq 0",
    async (ctx) =>
      ctx.api.call("POST", `/v1/streams/${(await newStream(ctx)).id}/replay`, {
        body: { from_seq: 0 },
      }),
    undefined,
    "validation_failed",
  ),
  status(
    "rotateStreamSecret",
    422,
    "a Splunk stream, which has no signing secret",
    async (ctx) => {
      const { id } = await newStream(ctx, { type: "splunk_hec", url: CLOSED_PORT_URL, token: "t" });
      return ctx.api.call("POST", `/v1/streams/${id}/rotate-secret`);
    },
    undefined,
    "validation_failed",
  ),
];
