import { ConnectionError, TimeoutError } from "./errors.js";
import { generateIdempotencyKey } from "./idempotency.js";
import {
  type BackoffOptions,
  backoffDelay,
  defaultBackoff,
  isRetryableStatus,
  parseRetryAfter,
  sleep,
} from "./retry.js";

/** The only thing the SDK needs from a `fetch`: Request in, Response out. */
export type FetchLike = (input: Request) => Promise<Response>;

export interface TransportOptions {
  fetch: FetchLike;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Per attempt: until the whole body has arrived (for streams, until the headers). */
  timeoutMs: number;
  /** Total time budget across all attempts and waits; no retry starts past it. */
  maxRetryTimeMs: number;
  backoff: BackoffOptions;
  /** POST paths (suffixes) that accept an `Idempotency-Key` and get one automatically. */
  idempotentPostPaths: readonly string[];
  random?: () => number;
}

/** Per-call overrides, given to any resource method as its last argument. */
export interface RequestOptions {
  signal?: AbortSignal | undefined;
  maxRetries?: number | undefined;
  timeoutMs?: number | undefined;
  /** For writes: the key to send instead of a generated one. */
  idempotencyKey?: string | undefined;
  headers?: Record<string, string> | undefined;
}

export type Transport = (request: Request, overrides?: RequestOptions) => Promise<Response>;

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]);

function attemptSignal(
  user: AbortSignal | null,
  timeout: AbortSignal,
): { signal: AbortSignal; dispose: () => void } {
  if (!user) return { signal: timeout, dispose: () => {} };
  if (typeof AbortSignal.any === "function") {
    return { signal: AbortSignal.any([user, timeout]), dispose: () => {} };
  }
  const controller = new AbortController();
  const forward = (source: AbortSignal) => () => controller.abort(source.reason);
  const onUser = forward(user);
  const onTimeout = forward(timeout);
  user.addEventListener("abort", onUser, { once: true });
  timeout.addEventListener("abort", onTimeout, { once: true });
  if (user.aborted) controller.abort(user.reason);
  return {
    signal: controller.signal,
    dispose: () => timeout.removeEventListener("abort", onTimeout),
  };
}

/** Answers read as they arrive; every other body is read inside the attempt's timeout. */
const STREAMING_TYPES = /^(text\/event-stream|application\/x-ndjson|text\/csv)/i;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Reads an ordinary body before the attempt's timer stops, so a server that sends headers
 * and then stalls still times out; streams (export, tail) are handed over as they are.
 */
async function withinTimeout(response: Response): Promise<Response> {
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) return response;
  if (STREAMING_TYPES.test(response.headers.get("content-type") ?? "")) return response;
  return new BufferedResponse(await response.text(), response);
}

/**
 * A response read to the end inside the attempt's timeout, as text (every answer of the
 * contract that is not a stream is JSON). It keeps that text, so `text()` and `json()`
 * (what openapi-fetch calls) do not stream and decode the body a second time.
 */
class BufferedResponse extends Response {
  readonly #text: string;

  constructor(text: string, from: Response) {
    super(text, { status: from.status, statusText: from.statusText, headers: from.headers });
    this.#text = text;
  }

  override async text(): Promise<string> {
    return this.#text;
  }

  override async json(): Promise<unknown> {
    return JSON.parse(this.#text);
  }
}

/**
 * Wraps `fetch` with the SDK's retry policy: 408, 429, 5xx, network errors and timeouts
 * are retried with full-jitter backoff or the server's `Retry-After`, within a cap on
 * attempts and on total time. A POST is retried only when it carries an
 * `Idempotency-Key` (added automatically to event writes, once, then reused on every
 * attempt) or when the answer proves it was not processed (429).
 */
export function createTransport(options: TransportOptions): Transport {
  const random = options.random ?? Math.random;

  return async function send(original, overrides = {}) {
    const headers = new Headers(original.headers);
    for (const [name, value] of Object.entries(overrides.headers ?? {})) headers.set(name, value);
    const method = original.method.toUpperCase();
    const path = new URL(original.url).pathname;
    if (overrides.idempotencyKey) headers.set("Idempotency-Key", overrides.idempotencyKey);
    if (
      method === "POST" &&
      !headers.has("Idempotency-Key") &&
      options.idempotentPostPaths.some((suffix) => path.endsWith(suffix))
    ) {
      headers.set("Idempotency-Key", generateIdempotencyKey());
    }
    const safeToRepeat = IDEMPOTENT_METHODS.has(method) || headers.has("Idempotency-Key");
    const body = original.body ? await original.arrayBuffer() : undefined;
    const userSignal = overrides.signal ?? original.signal;
    const maxRetries = overrides.maxRetries ?? options.maxRetries;
    const timeoutMs = overrides.timeoutMs ?? options.timeoutMs;
    const deadline = Date.now() + options.maxRetryTimeMs;

    for (let attempt = 0; ; attempt++) {
      if (userSignal.aborted) throw userSignal.reason;
      const timeout = new AbortController();
      const timer = setTimeout(
        () => timeout.abort(new TimeoutError(`No response within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const { signal, dispose } = attemptSignal(userSignal, timeout.signal);
      const canRetry = attempt < maxRetries;
      let waitMs: number;
      try {
        const response = await options.fetch(
          new Request(original.url, { method, headers, body, signal, redirect: original.redirect }),
        );
        const retryable =
          isRetryableStatus(response.status) && (safeToRepeat || response.status === 429);
        if (!retryable || !canRetry) return await withinTimeout(response);
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
        waitMs = retryAfter ?? backoffDelay(attempt, options.backoff, random);
        if (Date.now() + waitMs > deadline) return await withinTimeout(response);
        await response.body?.cancel().catch(() => {});
      } catch (error) {
        if (userSignal.aborted) throw userSignal.reason;
        const failure = timeout.signal.aborted
          ? new TimeoutError(`No response within ${timeoutMs} ms (${method} ${path})`, {
              cause: error,
            })
          : new ConnectionError(`Connection failed (${method} ${path}): ${String(error)}`, {
              cause: error,
            });
        if (!canRetry || !safeToRepeat) throw failure;
        waitMs = backoffDelay(attempt, options.backoff, random);
        if (Date.now() + waitMs > deadline) throw failure;
      } finally {
        clearTimeout(timer);
        dispose();
      }
      await sleep(waitMs, userSignal);
    }
  };
}

export const defaultTransportOptions = {
  maxRetries: 2,
  timeoutMs: 60_000,
  maxRetryTimeMs: 120_000,
  backoff: defaultBackoff,
  idempotentPostPaths: ["/v1/events", "/v1/events/batch"],
} satisfies Omit<TransportOptions, "fetch">;
