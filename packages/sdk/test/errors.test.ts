import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ChronicleError,
  ConflictError,
  errorFromResponse,
  InvalidCursorError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../src/core/errors.js";

const body = (status: number, code: string) => ({
  type: `https://chronicle.dev/problems/${code}`,
  title: "Title",
  status,
  code,
  detail: "what went wrong",
  request_id: "req_body",
});

describe("errorFromResponse", () => {
  it.each([
    [400, "invalid_parameter", ValidationError],
    [400, "invalid_cursor", InvalidCursorError],
    [401, "unauthorized", AuthenticationError],
    [403, "forbidden", PermissionDeniedError],
    [404, "not_found", NotFoundError],
    [409, "idempotency_conflict", ConflictError],
    [413, "payload_too_large", ValidationError],
    [422, "validation_failed", ValidationError],
    [429, "rate_limit_exceeded", RateLimitError],
    [500, "internal_error", ServerError],
    [503, "unavailable", ServerError],
  ])("when the status is %i %s, then it is a %o", (status, code, ErrorClass) => {
    const error = errorFromResponse(status, body(status, code), new Headers());
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(ChronicleError);
    expect(error.name).toBe(ErrorClass.name);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.requestId).toBe("req_body");
    expect(error.problem?.detail).toBe("what went wrong");
    expect(error.message).toContain(code);
  });

  it("when the body is not a problem, then the request id comes from the header", () => {
    const error = errorFromResponse(502, "Bad gateway", new Headers({ "Request-Id": "req_hdr" }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.code).toBeUndefined();
    expect(error.requestId).toBe("req_hdr");
    expect(error.message).toContain("Bad gateway");
  });

  it("when a status has no family, then it is the base class", () => {
    const error = errorFromResponse(405, body(405, "method_not_allowed"), undefined);
    expect(error.constructor).toBe(ChronicleError);
  });

  it("when rate limited, then retryAfterMs reads Retry-After", () => {
    const error = errorFromResponse(
      429,
      body(429, "rate_limit_exceeded"),
      new Headers({ "Retry-After": "7" }),
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);
  });
});
