import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ChronicleError, ConnectionError } from "../core/errors.js";
import { type BackoffOptions, backoffDelay, isRetryableStatus, sleep } from "../core/retry.js";
import { decodeText } from "./text-stream.js";

export interface EventStreamOptions {
  /** Opens one connection; throws a `ChronicleError` for an HTTP error answer. */
  connect: (
    lastEventId: string | undefined,
    signal: AbortSignal,
  ) => Promise<ReadableStream<Uint8Array>>;
  lastEventId?: string | undefined;
  signal?: AbortSignal | undefined;
  backoff: BackoffOptions;
  /** Reconnects in a row without receiving an event before giving up (default: no limit). */
  maxReconnects?: number | undefined;
  random?: () => number;
}

/** Errors worth reconnecting after: no response, a timeout, 408, 429 and 5xx. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof ChronicleError)) return false;
  return error.status === undefined || isRetryableStatus(error.status);
}

/**
 * Server-sent events from a connection that is reopened whenever it drops, with
 * `Last-Event-ID` set to the last id received and full-jitter backoff between attempts
 * (the server's `retry:` field, when sent, is the backoff base). Parsing is
 * eventsource-parser's; this only manages connections.
 */
export async function* readEventStream(
  options: EventStreamOptions,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  let lastEventId = options.lastEventId;
  let backoff = options.backoff;
  let failures = 0;
  const maxReconnects = options.maxReconnects ?? Number.POSITIVE_INFINITY;

  for (;;) {
    options.signal?.throwIfAborted();
    const connection = new AbortController();
    const onAbort = () => connection.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const received: EventSourceMessage[] = [];
    const parser = createParser({
      onEvent: (message) => received.push(message),
      onRetry: (retryMs) => {
        backoff = { ...backoff, baseDelayMs: retryMs };
      },
    });
    try {
      let stream: ReadableStream<Uint8Array> | undefined;
      try {
        stream = await options.connect(lastEventId, connection.signal);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!isTransient(error) || failures >= maxReconnects) throw error;
      }
      if (stream) {
        try {
          for await (const text of decodeText(stream)) {
            parser.feed(text);
            while (received.length > 0) {
              const message = received.shift() as EventSourceMessage;
              if (message.id !== undefined) lastEventId = message.id;
              failures = 0;
              yield message;
            }
          }
        } catch (error) {
          if (options.signal?.aborted) throw options.signal.reason;
          if (failures >= maxReconnects) {
            throw new ConnectionError("Event stream dropped", { cause: error });
          }
        }
        if (failures >= maxReconnects) throw new ConnectionError("Event stream ended");
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      connection.abort();
    }
    // The stream ended or dropped: wait, then resume after the last id seen.
    await sleep(backoffDelay(failures, backoff, options.random), options.signal);
    failures++;
  }
}
