import { describe, expect, it } from "vitest";
import { anyPathResponses, matchOperation, operationById } from "./support/contract.js";
import { contractViolations } from "./support/response-check.js";

/** The checker itself: it must reject what breaks the contract, or the suite proves nothing. */

const REQUEST_ID = "req_01KMX4Q2S0T1V2W3X4Y5Z6A7B8";

function headers(extra: Record<string, string> = {}) {
  return new Headers({
    "Request-Id": REQUEST_ID,
    "Chronicle-Version": "2026-11-01",
    "RateLimit-Limit": "600",
    "RateLimit-Remaining": "599",
    "RateLimit-Reset": "42",
    "RateLimit-Policy": "600;w=60",
    ...extra,
  });
}

const problem = (status: number, code: string) =>
  JSON.stringify({
    type: `https://chronicle.dev/problems/${code}`,
    title: "x",
    status,
    code,
    request_id: REQUEST_ID,
  });

const getEvent = operationById("getEvent");

describe("contractViolations", () => {
  it("accepts a documented problem", () => {
    const observed = {
      status: 404,
      headers: headers({ "Content-Type": "application/problem+json" }),
      text: problem(404, "not_found"),
    };
    expect(contractViolations(getEvent, observed)).toEqual([]);
  });

  it("rejects a status the operation does not document", () => {
    const observed = {
      status: 409,
      headers: headers({ "Content-Type": "application/problem+json" }),
      text: problem(409, "idempotency_conflict"),
    };
    expect(contractViolations(getEvent, observed)).toEqual([
      "getEvent answered 409, which the contract does not document",
    ]);
  });

  it("rejects a body that breaks its schema, a wrong media type and a bad header", () => {
    const wrongBody = {
      status: 200,
      headers: headers({ "Content-Type": "application/json" }),
      text: JSON.stringify({ id: "evt_x" }),
    };
    expect(contractViolations(getEvent, wrongBody).join("\n")).toMatch(/required/);
    const wrongType = { ...wrongBody, headers: headers({ "Content-Type": "text/plain" }) };
    expect(contractViolations(getEvent, wrongType).join("\n")).toMatch(/Content-Type/);
    const badHeader = {
      status: 404,
      headers: headers({
        "Content-Type": "application/problem+json",
        "RateLimit-Remaining": "-1",
      }),
      text: problem(404, "not_found"),
    };
    expect(contractViolations(getEvent, badHeader).join("\n")).toMatch(/RateLimit-Remaining/);
  });

  it("rejects a missing Request-Id and a problem whose request_id differs from it", () => {
    const h = headers({ "Content-Type": "application/problem+json" });
    h.delete("Request-Id");
    const observed = { status: 404, headers: h, text: problem(404, "not_found") };
    const violations = contractViolations(getEvent, observed).join("\n");
    expect(violations).toMatch(/Request-Id is documented but missing/);
    expect(violations).toMatch(/request_id differs/);
  });

  it("checks every NDJSON line of an export against Event", () => {
    const exportEvents = operationById("exportEvents");
    const observed = {
      status: 200,
      headers: headers({ "Content-Type": "application/x-ndjson" }),
      text: '{"id":"evt_x"}\n',
    };
    expect(contractViolations(exportEvents, observed).join("\n")).toMatch(/line 0/);
  });

  it("checks each SSE message against EventStreamMessage and its data against Event", () => {
    const streamEvents = operationById("streamEvents");
    const observed = (message: Record<string, string | number>) => ({
      status: 200,
      headers: headers({ "Content-Type": "text/event-stream" }),
      text: "",
      sseMessages: [message],
      sseData: [String(message.data)],
    });
    const wrongType = contractViolations(
      streamEvents,
      observed({ id: "7", event: "ping", data: "{}" }),
    ).join("\n");
    expect(wrongType).toMatch(/SSE message 0/);
    expect(wrongType).toMatch(/required/);
    const noId = contractViolations(streamEvents, observed({ event: "event", data: "{}" }));
    expect(noId.join("\n")).toMatch(/SSE message 0/);
  });

  it("checks a 405 against the contract's any-path response, Allow included", () => {
    const anyPath = anyPathResponses("/v1/events", "PUT");
    const h = headers({ "Content-Type": "application/problem+json", Allow: "GET, POST" });
    expect(
      contractViolations(anyPath, {
        status: 405,
        headers: h,
        text: problem(405, "method_not_allowed"),
      }),
    ).toEqual([]);
    h.delete("Allow");
    expect(
      contractViolations(anyPath, {
        status: 405,
        headers: h,
        text: problem(405, "method_not_allowed"),
      }).join("\n"),
    ).toMatch(/Allow is documented but missing/);
  });

  it("routes static paths before templated ones", () => {
    expect(matchOperation("GET", "/v1/events/export")?.operationId).toBe("exportEvents");
    expect(matchOperation("GET", "/v1/events/evt_1")?.operationId).toBe("getEvent");
    expect(matchOperation("POST", "/v1/events/batch")?.operationId).toBe("createEventBatch");
    expect(matchOperation("GET", "/v1/nowhere")).toBeUndefined();
  });
});
