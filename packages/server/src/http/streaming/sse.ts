import type { Response } from "express";
import { ServiceError } from "../../domain/errors.js";
import { problemBody } from "../contract/problem.js";
import { endStreamSoon, isGone, writeChunk } from "./stream-writer.js";

export interface TailedEvent {
  seq: number;
}

/** Where a live tail reads from: the database, woken by LISTEN/NOTIFY. */
export interface TailSource<E extends TailedEvent> {
  /**
   * Matching events with `seq > after`, ascending, at most `limit`; `readThrough`, the seq
   * up to which nothing else matched; `more` when the read stopped short of the newest event.
   */
  readAfter(
    after: number,
    limit: number,
  ): Promise<{ events: E[]; readThrough: number; more: boolean }>;
  /** Calls `onChange` whenever the project may have new events; resolves to an unsubscribe. */
  subscribe(onChange: () => void): Promise<() => unknown>;
}

export interface TailOptions {
  /** Resume point: the last `seq` the client has (Last-Event-ID), or the current end. */
  after: number;
  heartbeatMs: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
  /** Aborted (reason: an `ServiceError`) when the stream must end, e.g. its credential was revoked. */
  signal?: AbortSignal;
  requestId?: string;
}

export function sseEvent(event: TailedEvent): string {
  return `id: ${event.seq}\nevent: event\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The last message of a stream ended by the server: `event: error`, a problem as data. */
export function sseEnd(reason: unknown, requestId: string): string {
  const problem =
    reason instanceof ServiceError
      ? problemBody(reason.code, requestId, reason.message)
      : problemBody("internal_error", requestId);
  return `event: error\ndata: ${JSON.stringify(problem)}\n\n`;
}

/**
 * Streams events as Server-Sent Events until the client goes away, or until `signal` aborts:
 * then an `event: error` message carrying the reason as a problem ends the stream. Notifications only
 * wake the reader; what is sent always comes from reading `seq > last` in the database,
 * so events committed through another replica arrive, in order, exactly once.
 */
export async function serveTail<E extends TailedEvent>(
  res: Response,
  source: TailSource<E>,
  options: TailOptions,
): Promise<void> {
  const batchSize = options.batchSize ?? 500;
  let last = options.after;
  let reading = false;
  let wanted = false;
  let closed = false;
  let wake: () => void = () => {};

  const drainNew = async () => {
    if (reading) {
      wanted = true;
      return;
    }
    reading = true;
    try {
      do {
        wanted = false;
        for (;;) {
          if (closed) return;
          const { events, readThrough, more } = await source.readAfter(last, batchSize);
          for (const event of events) {
            if (closed || !(await writeChunk(res, sseEvent(event)))) return;
            last = event.seq;
          }
          // Past the last match too: what lies between matched nothing.
          last = Math.max(last, readThrough);
          if (!more) break;
        }
      } while (wanted && !closed);
    } catch (error) {
      // A read stopped because the client left is no failure worth reporting.
      if (!closed) options.onError?.(error);
      res.destroy();
    } finally {
      reading = false;
    }
  };

  const finished = new Promise<void>((resolve) => {
    wake = resolve;
  });
  res.on("close", () => {
    closed = true;
    wake();
  });
  const onAbort = () => {
    closed = true;
    wake();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  // Subscribe before the first read so nothing committed in between is missed, and
  // before the headers so a failing LISTEN is still an ordinary problem response.
  let started = false;
  const unsubscribe = await source.subscribe(() => {
    if (started) void drainNew();
  });

  res.status(200);
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache, no-transform");
  res.setHeader("Connection", "keep-alive");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  res.write("retry: 3000\n\n");
  started = true;

  const heartbeat = setInterval(() => {
    if (isGone(res)) return;
    res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
    // A missed notification (a reconnecting listener) costs at most one heartbeat.
    void drainNew();
  }, options.heartbeatMs);
  heartbeat.unref();

  try {
    if (!closed) await drainNew();
    if (!closed) await finished;
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onAbort);
    await unsubscribe();
    if (options.signal?.aborted && !isGone(res)) {
      res.write(sseEnd(options.signal.reason, options.requestId ?? ""));
      endStreamSoon(res);
    }
    if (!res.writableEnded) res.end();
  }
}
