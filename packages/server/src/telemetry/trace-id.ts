import type { Request, Response } from "express";
import { requestSpanOf } from "./request-spans.js";

/** W3C Trace Context: `version-traceid-parentid-flags`, lower-case hex. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}/;
const INVALID_TRACE_ID = "0".repeat(32);

/** The trace id of a `traceparent` header value, or undefined when it is not a valid one. */
export function traceIdOfHeader(value: string | undefined): string | undefined {
  const match = TRACEPARENT.exec(value?.trim() ?? "");
  if (!match || match[1] === "ff" || match[2] === INVALID_TRACE_ID) return undefined;
  if (match[3] === "0".repeat(16)) return undefined;
  return match[2];
}

/**
 * The trace a request belongs to: the caller's `traceparent`, else the server's own span
 * when tracing is on. Events recorded without `context.trace_id` get it.
 */
export function traceIdOf(req: Request, res: Response): string | undefined {
  const fromHeader = traceIdOfHeader(req.get("traceparent"));
  if (fromHeader) return fromHeader;
  const span = requestSpanOf(res);
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}
