import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from "@opentelemetry/api";
import type { NextFunction, Request, Response } from "express";
import { answeredStatus, operationIdOf } from "../http/middleware/operation-tag.js";

/**
 * One server span per request, child of the caller's `traceparent` when it sent one, named
 * after the contract operation (`GET getEvent`). The span is kept in `res.locals`, and the
 * request's store is a view that makes its database spans the span's children
 * (traced-store.ts `requestStores`): no async-local context is carried.
 */
export function requestSpans(tracer: Tracer) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const parent = callerContext(req);
    const span = tracer.startSpan(
      `${req.method} ${req.path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "http.request.method": req.method,
          "url.path": req.path,
          "server.address": req.hostname,
        },
      },
      parent,
    );
    res.locals.span = span;
    // A request the sampler left out records nothing: nothing to finish, and its handler
    // works with the store itself (no query spans).
    if (!span.isRecording()) {
      next();
      return;
    }
    res.on("close", () => {
      const operation = operationIdOf(res);
      if (operation) {
        span.updateName(`${req.method} ${operation}`);
        span.setAttribute("chronicle.operation", operation);
      }
      const status = answeredStatus(res);
      if (status !== null) span.setAttribute("http.response.status_code", status);
      if (status !== null && status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!res.writableFinished) span.setAttribute("chronicle.aborted", true);
      span.end();
    });
    next();
  };
}

/** The caller's trace context: its `traceparent`, if it sent one (W3C Trace Context). */
export function callerContext(req: Request): Context {
  // Without a `traceparent` there is nothing to extract.
  return req.headers.traceparent === undefined
    ? ROOT_CONTEXT
    : propagation.extract(ROOT_CONTEXT, req.headers);
}

export function requestSpanOf(res: Response): Span | undefined {
  return res.locals.span as Span | undefined;
}
