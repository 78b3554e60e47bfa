import type { NextFunction, Request, Response } from "express";
import {
  type FieldError,
  isProblemCode,
  type ProblemCode,
  ServiceError,
} from "../../domain/errors.js";
import { isDatabaseUnavailable } from "../../services/index.js";
import type { Logger } from "../../telemetry/logger.js";
import { PROBLEM_CONTENT_TYPE, problemBody } from "../contract/problem.js";
import { tagProblem } from "./operation-tag.js";
import { requestIdOf } from "./request-id.js";

interface NormalisedProblem {
  code: ProblemCode;
  detail: string | undefined;
  errors: FieldError[] | undefined;
  headers: Record<string, string>;
}

/** Errors raised by body-parser carry a `type`; map the ones a client can cause. */
const BODY_PARSER_TYPES: Record<string, ProblemCode> = {
  "entity.parse.failed": "invalid_json",
  "entity.too.large": "payload_too_large",
  "encoding.unsupported": "unsupported_media_type",
  "charset.unsupported": "unsupported_media_type",
  "request.size.invalid": "invalid_json",
  "request.aborted": "invalid_json",
};

/**
 * Seconds a client is asked to wait after a 503 (`Retry-After`): the pool reconnects on the
 * next request, so a short wait is enough once the database is back.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

function normalise(error: unknown): NormalisedProblem | undefined {
  if (error instanceof ServiceError) {
    return {
      code: error.code,
      detail: error.message,
      errors: error.errors,
      headers: error.headers,
    };
  }
  if (error instanceof URIError) {
    // Express could not decode a path parameter (`%E0%A4%A`).
    return {
      code: "invalid_parameter",
      detail: "The path holds a malformed percent-encoding",
      errors: [{ pointer: "/path", detail: "malformed percent-encoding", code: "format" }],
      headers: {},
    };
  }
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as Record<string, unknown>;
  const parserCode = typeof e.type === "string" ? BODY_PARSER_TYPES[e.type] : undefined;
  if (parserCode) {
    const detail =
      parserCode === "invalid_json"
        ? "The request body is not valid JSON"
        : parserCode === "payload_too_large"
          ? `The request body is larger than ${e.limit} bytes`
          : String(e.message);
    return { code: parserCode, detail, errors: undefined, headers: {} };
  }
  // Errors from the services layer carry a problem `code` (and maybe field `errors`).
  if (isProblemCode(e.code) && e.code !== "internal_error") {
    // The contract requires a rule `code` on every field error.
    const errors = Array.isArray(e.errors)
      ? (e.errors as Partial<FieldError>[]).map((error) => ({
          pointer: String(error.pointer ?? ""),
          detail: String(error.detail ?? "is invalid"),
          code: error.code ?? "invalid",
        }))
      : undefined;
    const headers =
      typeof e.headers === "object" && e.headers !== null
        ? (e.headers as Record<string, string>)
        : {};
    return { code: e.code, detail: String(e.message), errors, headers };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      code: "unavailable",
      detail: "The database cannot be reached",
      errors: undefined,
      headers: {},
    };
  }
  return undefined;
}

export function sendProblem(
  res: Response,
  code: ProblemCode,
  detail?: string,
  errors?: FieldError[],
  headers: Record<string, string> = {},
): void {
  const body = problemBody(code, requestIdOf(res), detail, errors);
  tagProblem(res, code);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  // Every 503 tells the client when to come back.
  if (body.status === 503 && !res.hasHeader("Retry-After")) {
    res.setHeader("Retry-After", String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  }
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** The one place where any error becomes `application/problem+json`. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const problem = normalise(error);
    if (!problem) {
      logger.error("unhandled error", {
        request_id: requestIdOf(res),
        method: req.method,
        path: req.path,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    if (res.headersSent) {
      // A streamed response already started: all we can do is cut it short.
      res.destroy();
      return;
    }
    if (problem) {
      sendProblem(res, problem.code, problem.detail, problem.errors, problem.headers);
    } else {
      sendProblem(res, "internal_error", "An unexpected error occurred");
    }
  };
}

/** Last in the chain: any path the contract does not define (other methods are 405). */
export function notFound(req: Request, res: Response): void {
  sendProblem(res, "not_found", `No route for ${req.method} ${req.path}`);
}
