/** Errors as data: every rule a service enforces fails with one of these (docs/design.md, "Errors"). */

export type ChronicleErrorCode =
  | "invalid_json"
  | "invalid_parameter"
  | "invalid_cursor"
  | "unsupported_version"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "idempotency_conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "headers_too_large"
  | "validation_failed"
  | "rate_limit_exceeded"
  | "too_many_streams"
  | "credential_revoked"
  | "credential_expired"
  | "internal_error"
  | "unavailable";

const STATUS: Record<ChronicleErrorCode, number> = {
  invalid_json: 400,
  invalid_parameter: 400,
  invalid_cursor: 400,
  unsupported_version: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  validation_failed: 422,
  rate_limit_exceeded: 429,
  too_many_streams: 429,
  credential_revoked: 401,
  credential_expired: 401,
  internal_error: 500,
  unavailable: 503,
};

export interface FieldError {
  /** JSON pointer into the request body (422) or `/query/name` (400). */
  pointer: string;
  detail: string;
  code?: string;
}

export class ChronicleError extends Error {
  override readonly name = "ChronicleError";
  readonly status: number;
  readonly code: ChronicleErrorCode;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;

  constructor(code: ChronicleErrorCode, detail: string, errors?: FieldError[]) {
    super(detail);
    this.code = code;
    this.status = STATUS[code];
    this.detail = detail;
    this.errors = errors;
  }
}

export function isChronicleError(error: unknown): error is ChronicleError {
  return error instanceof ChronicleError;
}

export const notFound = (what: string) => new ChronicleError("not_found", `${what} not found`);

export const invalidCursor = (
  why = "The cursor is malformed, tampered with or not for this query",
) => new ChronicleError("invalid_cursor", why);

export const validationFailed = (errors: FieldError[], detail = "The request body is invalid") =>
  new ChronicleError("validation_failed", detail, errors);
