import type { EventInput } from "@chronicle/types";
import { DEFAULT_VERSION } from "../../domain/api-versions.js";
import { notFound } from "../../domain/index.js";
import {
  getEvent,
  type Idempotency,
  type IngestResult,
  ingestEvents,
  listEvents,
  requestHash,
} from "../../services/index.js";
import { traceIdOf } from "../../telemetry/trace-id.js";
import type { Handler } from "../contract/handler-types.js";
import { eventCacheHeaders, matchesIfNoneMatch } from "../middleware/event-caching.js";
import { clientGoneSignal } from "./client-gone.js";
import { caller, type HandlerDeps } from "./deps.js";
import { filtersOf, listOptionsOf, pinWorkspace } from "./event-query.js";

const REPLAYED = { "Idempotent-Replayed": "true" };

/** RFC 9745: `Deprecation: @<Unix seconds>` when an action written is deprecated. */
function deprecationOf(result: IngestResult): Record<string, string> {
  if (!result.deprecatedAt) return {};
  return { Deprecation: `@${Math.floor(result.deprecatedAt.getTime() / 1000)}` };
}

function idempotencyOf(
  header: Record<string, unknown>,
  method: string,
  path: string,
  body: unknown,
): Idempotency {
  const key = header["Idempotency-Key"];
  if (typeof key !== "string") return {};
  return { idempotencyKey: key, requestHash: requestHash(method, path, body) };
}

/** The API version the request was answered in: its `Chronicle-Version`, or the default. */
function apiVersionOf(header: Record<string, unknown>): string {
  const asked = header["Chronicle-Version"];
  return typeof asked === "string" ? asked : DEFAULT_VERSION;
}

/**
 * Events recorded without a `context.trace_id` take the request's trace (its `traceparent`,
 * or the server's span when tracing is on). Applied after the idempotency hash, so a retry
 * under another trace still replays.
 */
function withTraceId(inputs: EventInput[], traceId: string | undefined): EventInput[] {
  if (!traceId) return inputs;
  return inputs.map((input) =>
    input.context?.trace_id !== undefined
      ? input
      : { ...input, context: { ...input.context, trace_id: traceId } },
  );
}

export function eventHandlers(_deps: HandlerDeps) {
  const createEvent: Handler<"createEvent"> = async ({
    store,
    principal,
    header,
    body,
    req,
    res,
  }) => {
    const { projectId } = caller(principal);
    const inputs = withTraceId([body], traceIdOf(req, res));
    const result = await ingestEvents(store, projectId, inputs, {
      ...idempotencyOf(header, "POST", req.path, body),
      apiVersion: apiVersionOf(header),
    });
    const event = result.events[0];
    if (!event) throw new Error("ingest returned no event");
    const location = { Location: `/v1/events/${event.id}`, ...deprecationOf(result) };
    return {
      status: 201,
      body: event,
      headers: result.replayed ? { ...location, ...REPLAYED } : location,
    };
  };

  const createEventBatch: Handler<"createEventBatch"> = async ({
    store,
    principal,
    header,
    body,
    req,
    res,
  }) => {
    const { projectId } = caller(principal);
    const inputs = withTraceId(body.events, traceIdOf(req, res));
    const result = await ingestEvents(store, projectId, inputs, {
      ...idempotencyOf(header, "POST", req.path, body),
      apiVersion: apiVersionOf(header),
      pointerPrefix: (index) => `/events/${index}`,
    });
    const deprecation = deprecationOf(result);
    return {
      status: 201,
      body: { data: result.events },
      headers: result.replayed ? { ...REPLAYED, ...deprecation } : deprecation,
    };
  };

  const listEventsHandler: Handler<"listEvents"> = async ({ store, principal, query, res }) => {
    const who = caller(principal);
    const filters = pinWorkspace(who, filtersOf(query));
    const page = await listEvents(store, who.projectId, filters, {
      ...listOptionsOf(query),
      signal: clientGoneSignal(res),
    });
    return { status: 200, body: page };
  };

  const getEventHandler: Handler<"getEvent"> = async ({ store, principal, path, header }) => {
    const who = caller(principal);
    const event = await getEvent(store, who.projectId, path.event_id);
    // A credential pinned to a workspace cannot tell another's event from a missing one.
    if (who.workspaceId !== null && event.workspace_id !== who.workspaceId) {
      throw notFound("Event");
    }
    const headers = eventCacheHeaders(event);
    if (matchesIfNoneMatch(header["If-None-Match"], headers.ETag as string)) {
      return { status: 304, body: undefined, headers };
    }
    return { status: 200, body: event, headers };
  };

  return {
    createEvent,
    createEventBatch,
    listEvents: listEventsHandler,
    getEvent: getEventHandler,
  };
}
