import { Chronicle, type ChronicleOptions } from "../../../packages/sdk/src/index.js";

export interface TimedResponse {
  status: number;
  headers: Headers;
  /** The body parsed as JSON when it is JSON, else its text. */
  body: unknown;
  /** Wall-clock milliseconds from sending to the last byte of the body. */
  elapsedMs: number;
}

/** What a request that got no HTTP answer at all ended with. */
export interface FailedRequest {
  status: "failed";
  error: string;
  elapsedMs: number;
}

/**
 * One HTTP request over a real socket, timed to the end of its body; never throws. A request
 * with no answer within `timeoutMs` (default 30 s) ends as `failed`, so a hang shows as one.
 */
export async function timedRequest(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<TimedResponse | FailedRequest> {
  const started = performance.now();
  const { timeoutMs = 30_000, ...rest } = init;
  try {
    const response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown = text;
    if (/json/.test(response.headers.get("content-type") ?? "")) {
      try {
        body = JSON.parse(text);
      } catch {
        // leave the text
      }
    }
    return {
      status: response.status,
      headers: response.headers,
      body,
      elapsedMs: performance.now() - started,
    };
  } catch (error) {
    return { status: "failed", error: String(error), elapsedMs: performance.now() - started };
  }
}

/** Authorization and version headers for a raw request with `apiKey`. */
export function authHeaders(apiKey: string, extra: Record<string, string> = {}) {
  return {
    Authorization: `Bearer ${apiKey}`,
    "Chronicle-Version": "2026-11-01",
    ...extra,
  };
}

/**
 * Why `response` is not a `problem+json` answer with `status` and `code` (and, for 429 and
 * 503, a `Retry-After` of whole seconds); `undefined` when it is. Returns a reason rather than
 * asserting so that a load loop can count and report every deviation at once.
 */
export function problemMismatch(
  response: TimedResponse | FailedRequest,
  status: number,
  code: string,
): string | undefined {
  if (response.status === "failed") return `no answer: ${response.error}`;
  if (response.status !== status) {
    return `status ${response.status} (expected ${status}): ${JSON.stringify(response.body)}`;
  }
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("application/problem+json")) return `content-type ${type}`;
  const body = response.body as { code?: unknown; status?: unknown };
  if (body.code !== code) return `code ${String(body.code)} (expected ${code})`;
  if (body.status !== status) return `body status ${String(body.status)}`;
  if (status === 429 || status === 503) {
    const retryAfter = response.headers.get("retry-after");
    if (retryAfter === null || !/^\d+$/.test(retryAfter)) {
      return `Retry-After ${String(retryAfter)}`;
    }
  }
  return undefined;
}

/** The SDK against a server process, with retries tuned for fault tests unless overridden. */
export function sdkFor(
  baseUrl: string,
  apiKey: string,
  options: Partial<ChronicleOptions> = {},
): Chronicle {
  return new Chronicle({
    baseUrl,
    apiKey,
    maxRetries: 8,
    timeoutMs: 15_000,
    maxRetryTimeMs: 90_000,
    backoff: { baseDelayMs: 100, maxDelayMs: 1_500 },
    ...options,
  });
}
