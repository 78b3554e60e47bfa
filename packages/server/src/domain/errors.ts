/**
 * Errors as data (docs/design.md, "Errors"): the one table of problem codes, typed against
 * the contract's `ProblemCode` enum, and the one error class every layer throws for a
 * client's mistake or a refused request.
 */
import type { components } from "@chronicle/types";

/** Every problem code the contract documents. */
export type ProblemCode = components["schemas"]["ProblemCode"];

/** One field of a `validation_failed` or `invalid_parameter` problem. */
export type FieldError = components["schemas"]["ProblemError"];

/** Status and title of every code; a code missing from or added to the contract is a type error. */
export const PROBLEMS = {
  invalid_json: { status: 400, title: "Invalid JSON" },
  invalid_parameter: { status: 400, title: "Invalid parameter" },
  invalid_cursor: { status: 400, title: "Invalid cursor" },
  query_too_expensive: { status: 400, title: "Query too expensive" },
  unsupported_version: { status: 400, title: "Unsupported API version" },
  unauthorized: { status: 401, title: "Unauthorized" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  idempotency_conflict: { status: 409, title: "Idempotency conflict" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  headers_too_large: { status: 431, title: "Request header fields too large" },
  validation_failed: { status: 422, title: "Validation failed" },
  unknown_action: { status: 422, title: "Unknown action" },
  confirmation_mismatch: { status: 422, title: "Confirmation does not match" },
  slug_taken: { status: 409, title: "Slug taken" },
  stream_limit_reached: { status: 409, title: "Stream limit reached" },
  rate_limit_exceeded: { status: 429, title: "Rate limit exceeded" },
  too_many_streams: { status: 429, title: "Too many open streams" },
  too_many_reads: { status: 429, title: "Too many concurrent reads" },
  credential_revoked: { status: 401, title: "Credential revoked" },
  credential_expired: { status: 401, title: "Credential expired" },
  internal_error: { status: 500, title: "Internal error" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const satisfies Record<ProblemCode, { status: number; title: string }>;

export function isProblemCode(value: unknown): value is ProblemCode {
  return typeof value === "string" && Object.hasOwn(PROBLEMS, value);
}

export interface ServiceErrorOptions {
  errors?: FieldError[];
  /** Response headers the answer needs (`Retry-After`, `WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>;
}

/**
 * A refused request, rendered as `application/problem+json` by the HTTP layer. Named apart
 * from the SDK's `ChronicleError`, which is what a client sees of it.
 */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ProblemCode, detail?: string, options: ServiceErrorOptions = {}) {
    const text = detail ?? PROBLEMS[code].title;
    super(text);
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.detail = text;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof ServiceError;
}

export const notFound = (what: string) => new ServiceError("not_found", `${what} not found`);

export const invalidCursor = (
  why = "The cursor is malformed, tampered with or not for this query",
) => new ServiceError("invalid_cursor", why);

export const validationFailed = (errors: FieldError[], detail = "The request body is invalid") =>
  new ServiceError("validation_failed", detail, { errors });

/** A `400 invalid_parameter` naming the one parameter at fault (`/query/limit`). */
export const invalidParameter = (detail: string, error: FieldError) =>
  new ServiceError("invalid_parameter", detail, { errors: [error] });
