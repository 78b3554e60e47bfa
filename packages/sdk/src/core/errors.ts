import type { Problem } from "../types.js";
import { parseRetryAfter } from "./retry.js";

export interface ChronicleErrorOptions {
  status?: number | undefined;
  code?: string | undefined;
  requestId?: string | undefined;
  problem?: Problem | undefined;
  headers?: Headers | undefined;
  cause?: unknown;
}

/** Base of every error the SDK throws for a failed API call. */
export class ChronicleError extends Error {
  /** HTTP status, or `undefined` when no response arrived. */
  readonly status: number | undefined;
  /** The problem's stable machine code (`validation_failed`, `rate_limit_exceeded`, …). */
  readonly code: string | undefined;
  /** `Request-Id` of the failed request (from the body, else the header). */
  readonly requestId: string | undefined;
  /** The RFC 9457 problem body as the server sent it. */
  readonly problem: Problem | undefined;
  /** Response headers, when a response arrived. */
  readonly headers: Headers | undefined;

  constructor(message: string, options: ChronicleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.code = options.code;
    this.requestId = options.requestId;
    this.problem = options.problem;
    this.headers = options.headers;
  }
}

/** 400 (other than a bad cursor), 413, 415, 422 and 431: the request breaks the contract. */
export class ValidationError extends ChronicleError {}
/** 400 `invalid_cursor`: the cursor is malformed, tampered or made for another query. */
export class InvalidCursorError extends ChronicleError {}
/** 401: missing, unknown, revoked or expired credential. */
export class AuthenticationError extends ChronicleError {}
/** 403: the credential lacks the scope. */
export class PermissionDeniedError extends ChronicleError {}
/** 404: no such resource in this project. */
export class NotFoundError extends ChronicleError {}
/** 409: e.g. an `Idempotency-Key` reused with a different body. */
export class ConflictError extends ChronicleError {}
/** 429: over the rate limit; `retryAfterMs` says when to try again. */
export class RateLimitError extends ChronicleError {
  get retryAfterMs(): number | undefined {
    return parseRetryAfter(this.headers?.get("retry-after") ?? null);
  }
}
/** 5xx: the server failed. */
export class ServerError extends ChronicleError {}
/** No response: DNS, refused or dropped connection. */
export class ConnectionError extends ChronicleError {}
/** No response within `timeoutMs`. */
export class TimeoutError extends ConnectionError {}

type ErrorClass = new (message: string, options: ChronicleErrorOptions) => ChronicleError;

function classFor(status: number, code: string | undefined): ErrorClass {
  if (status === 400 && code === "invalid_cursor") return InvalidCursorError;
  if (status === 400 || status === 413 || status === 415 || status === 422 || status === 431) {
    return ValidationError;
  }
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return ServerError;
  return ChronicleError;
}

function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && !Array.isArray(body);
}

/** The one factory that turns an HTTP error response into the matching error class. */
export function errorFromResponse(
  status: number,
  body: unknown,
  headers: Headers | undefined,
): ChronicleError {
  const problem = isProblem(body) ? body : undefined;
  const code = typeof problem?.code === "string" ? problem.code : undefined;
  const requestId =
    (typeof problem?.request_id === "string" ? problem.request_id : undefined) ??
    headers?.get("request-id") ??
    undefined;
  const title = typeof problem?.title === "string" ? problem.title : `HTTP ${status}`;
  const detail = typeof problem?.detail === "string" ? `: ${problem.detail}` : "";
  const text = typeof body === "string" && body.length > 0 ? `: ${body.slice(0, 200)}` : "";
  const message = `${status} ${code ?? "error"} — ${title}${detail || text}`;
  const ErrorFor = classFor(status, code);
  return new ErrorFor(message, { status, code, requestId, problem, headers });
}
