import {
  type ContractOperation,
  componentSchema,
  type DocumentedResponse,
  schemaErrors,
} from "./contract.js";

/** What came back, already read: the body text, or the SSE events read before hanging up. */
export interface ObservedResponse {
  status: number;
  headers: Headers;
  text: string;
  /** `data` of each SSE message read (text/event-stream only). */
  sseData?: string[];
  /** Each SSE message read, `{id, event, data, retry?}` as a parser dispatches it. */
  sseMessages?: Record<string, string | number>[];
}

/** Sent only on a replay (Idempotency-Key), so absent from a first answer. */
const REPLAY_HEADER = "idempotent-replayed";

/**
 * Problems raised before a credential is counted against its rate limit: the version check
 * runs first, then authentication; a 5xx may come from the rate-limit store itself.
 */
const BEFORE_RATE_LIMIT = new Set([
  "unsupported_version",
  "unauthorized",
  "unavailable",
  "internal_error",
]);

/**
 * Headers the contract marks `required` (Request-Id, Chronicle-Version) must be there; of
 * the others the suite demands every documented one except those that cannot be there:
 * the replay flag on a first answer, `Deprecation` on a write naming no deprecated action,
 * and RateLimit-* on an answer given before the
 * credential was counted (or on an operation without one), as their descriptions say.
 */
function expected(name: string, operation: ContractOperation, problemCode: unknown): boolean {
  const lower = name.toLowerCase();
  if (lower === REPLAY_HEADER || lower === "deprecation") return false;
  if (lower.startsWith("ratelimit-") || lower === "retry-after") {
    if (!operation.authenticated) return false;
    return !(typeof problemCode === "string" && BEFORE_RATE_LIMIT.has(problemCode));
  }
  return true;
}

function mediaType(headers: Headers): string | undefined {
  return headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
}

function headerValue(raw: string, schema: Record<string, unknown>): unknown {
  if (schema.type === "integer" || schema.type === "number") {
    return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
  }
  return raw;
}

function problemCodeOf(observed: ObservedResponse): unknown {
  if (!observed.headers.get("content-type")?.includes("problem+json")) return undefined;
  try {
    return (JSON.parse(observed.text) as { code?: unknown }).code;
  } catch {
    return undefined;
  }
}

function checkHeaders(
  operation: ContractOperation,
  documented: DocumentedResponse,
  observed: ObservedResponse,
): string[] {
  const out: string[] = [];
  const code = problemCodeOf(observed);
  for (const header of documented.headers) {
    const raw = observed.headers.get(header.name);
    if (raw === null) {
      if (header.required || expected(header.name, operation, code)) {
        out.push(`header ${header.name} is documented but missing`);
      }
      continue;
    }
    for (const error of schemaErrors(header.schema, headerValue(raw, header.schema))) {
      out.push(`header ${header.name}: ${JSON.stringify(raw)} ${error}`);
    }
  }
  return out;
}

function parseJson(text: string, what: string, out: string[]): unknown {
  try {
    return JSON.parse(text);
  } catch {
    out.push(`${what} is not JSON: ${text.slice(0, 120)}`);
    return undefined;
  }
}

function checkProblem(body: unknown, observed: ObservedResponse): string[] {
  if (typeof body !== "object" || body === null) return [];
  const problem = body as Record<string, unknown>;
  const out: string[] = [];
  if (problem.status !== observed.status) {
    out.push(`problem status ${String(problem.status)} differs from HTTP ${observed.status}`);
  }
  if (problem.request_id !== observed.headers.get("request-id")) {
    out.push("problem request_id differs from the Request-Id header");
  }
  if (typeof problem.type === "string" && !problem.type.endsWith(`/${String(problem.code)}`)) {
    out.push(`problem type ${problem.type} does not name its code ${String(problem.code)}`);
  }
  return out;
}

function checkBody(type: string, schema: Record<string, unknown>, observed: ObservedResponse) {
  const out: string[] = [];
  if (type === "text/event-stream") {
    // The media type's schema describes one message (EventStreamMessage) to SSE readers.
    (observed.sseMessages ?? []).forEach((message, index) => {
      out.push(...schemaErrors(schema, message).map((e) => `SSE message ${index}: ${e}`));
    });
    for (const data of observed.sseData ?? []) {
      const event = parseJson(data, "SSE data", out);
      if (event !== undefined) out.push(...schemaErrors(componentSchema("Event"), event));
    }
    return out;
  }
  if (type === "application/json" || type.endsWith("+json")) {
    const body = parseJson(observed.text, "body", out);
    if (body === undefined) return out;
    out.push(...schemaErrors(schema, body).map((e) => `body ${e}`));
    if (type === "application/problem+json") out.push(...checkProblem(body, observed));
    return out;
  }
  out.push(...schemaErrors(schema, observed.text).map((e) => `body ${e}`));
  if (type === "application/x-ndjson") {
    const lines = observed.text.split("\n");
    if (lines.pop() !== "") out.push("NDJSON does not end with a newline");
    lines.forEach((line, index) => {
      const event = parseJson(line, `NDJSON line ${index + 1}`, out);
      if (event !== undefined) {
        out.push(
          ...schemaErrors(componentSchema("Event"), event).map((e) => `line ${index}: ${e}`),
        );
      }
    });
  }
  return out;
}

/**
 * Everything about a response that breaks the contract for `operation`: an undocumented
 * status, an undocumented media type, a body that fails its schema, a documented header
 * that is missing or invalid. Empty when the response conforms.
 */
export function contractViolations(
  operation: ContractOperation,
  observed: ObservedResponse,
): string[] {
  const documented = operation.responses.get(String(observed.status));
  if (!documented) {
    return [
      `${operation.operationId} answered ${observed.status}, which the contract does not document`,
    ];
  }
  const out = checkHeaders(operation, documented, observed);
  if (documented.content.size === 0) {
    if (observed.text !== "") out.push("the contract documents no body, but one was sent");
    return out;
  }
  const type = mediaType(observed.headers);
  const schema = type === undefined ? undefined : documented.content.get(type);
  if (type === undefined || schema === undefined) {
    out.push(
      `Content-Type ${String(type)} is not one of ${[...documented.content.keys()].join(", ")}`,
    );
    return out;
  }
  out.push(...checkBody(type, schema, observed));
  return out;
}
