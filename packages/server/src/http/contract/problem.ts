/** RFC 9457 problem details as Chronicle sends them (docs/design.md, "Errors"). */

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const PROBLEMS = {
  invalid_json: { status: 400, title: "Invalid JSON" },
  invalid_parameter: { status: 400, title: "Invalid parameter" },
  invalid_cursor: { status: 400, title: "Invalid cursor" },
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
  rate_limit_exceeded: { status: 429, title: "Rate limit exceeded" },
  too_many_streams: { status: 429, title: "Too many open streams" },
  credential_revoked: { status: 401, title: "Credential revoked" },
  credential_expired: { status: 401, title: "Credential expired" },
  internal_error: { status: 500, title: "Internal error" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldError {
  /** JSON pointer: into the body for 422, `/query/limit`-style for 400 invalid_parameter. */
  pointer: string;
  detail: string;
  /** The rule that failed (`required`, `enum`, `maxLength`, `metadata_schema`, …). */
  code: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  request_id: string;
  errors?: FieldError[];
}

/** An error that the error middleware renders as-is. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ProblemCode,
    detail?: string,
    options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? PROBLEMS[code].title);
    this.name = "HttpProblem";
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export function isProblemCode(value: unknown): value is ProblemCode {
  return typeof value === "string" && Object.hasOwn(PROBLEMS, value);
}

export function problemBody(
  code: ProblemCode,
  requestId: string,
  detail?: string,
  errors?: FieldError[],
): ProblemBody {
  const body: ProblemBody = {
    type: `https://chronicle.dev/problems/${code}`,
    title: PROBLEMS[code].title,
    status: PROBLEMS[code].status,
    code,
    request_id: requestId,
  };
  if (detail !== undefined) body.detail = detail;
  if (errors !== undefined && errors.length > 0) body.errors = errors;
  return body;
}
