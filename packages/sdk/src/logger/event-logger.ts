import { ChronicleError } from "../core/errors.js";
import { generateIdempotencyKey } from "../core/idempotency.js";
import {
  type BackoffOptions,
  backoffDelay,
  defaultBackoff,
  isRetryableStatus,
} from "../core/retry.js";

/** Sends one batch; must reuse `idempotencyKey` exactly as given. Throws on failure. */
export type BatchSender<E> = (events: E[], idempotencyKey: string) => Promise<void>;

export type OverflowPolicy = "block" | "drop_oldest" | "reject";

export interface LoggerErrorInfo {
  /** `true` when the events stay queued and will be sent again. */
  retrying: boolean;
}

interface CommonLoggerOptions<E> {
  /** Events per batch (default 100, at most 1000 as the contract allows). */
  maxBatch?: number;
  /** Serialised bytes per batch body (default 1 MiB; the server accepts up to 8 MiB). */
  maxBytes?: number;
  /** How long an event may wait for a full batch (default 1000 ms). */
  flushIntervalMs?: number;
  /** Events held in memory, in flight included (default 10 000). */
  maxQueue?: number;
  /** Called when a batch fails: with `retrying: false` its events are given up. */
  onError?: (error: unknown, events: E[], info: LoggerErrorInfo) => void;
  /** Delay between attempts of a failing batch. */
  backoff?: BackoffOptions;
}

export type LoggerOptions<E> = CommonLoggerOptions<E> &
  (
    | {
        /** "block" (default): `log()` waits for room. "reject": `log()` rejects with `QueueFullError`. */
        overflow?: "block" | "reject";
        onOverflow?: (dropped: E[]) => void;
      }
    | {
        /** "drop_oldest": the oldest queued event makes room, reported to `onOverflow`. */
        overflow: "drop_oldest";
        onOverflow: (dropped: E[]) => void;
      }
  );

/** `log()` with the "reject" policy when the queue is full. */
export class QueueFullError extends Error {
  override name = "QueueFullError";
}

/** `log()` after `close()`. */
export class LoggerClosedError extends Error {
  override name = "LoggerClosedError";
}

interface Entry<E> {
  event: E;
  bytes: number;
}

interface Waiter<E> {
  entry: Entry<E>;
  resolve: () => void;
}

const BATCH_ENVELOPE_BYTES = '{"events":[]}'.length;
const encoder = new TextEncoder();

/**
 * Buffers events and sends them in batches, one batch in flight at a time, in order.
 * A batch that fails with a transient error is sent again with the same events and the
 * same idempotency key, so the server stores it once; an event is only ever given up
 * through `onError` (rejected by the server, or left over at `close()`), or `onOverflow`.
 */
export class EventLogger<E> {
  readonly #send: BatchSender<E>;
  readonly #maxBatch: number;
  readonly #maxBytes: number;
  readonly #maxQueue: number;
  readonly #policy: OverflowPolicy;
  readonly #options: LoggerOptions<E>;
  readonly #backoff: BackoffOptions;
  #queue: Entry<E>[] = [];
  #waiters: Waiter<E>[] = [];
  /** The head batch already sent at least once: same events, same key until it succeeds. */
  #pinned: { count: number; key: string } | undefined;
  #sending: Promise<void> | undefined;
  #failures = 0;
  #retryAt = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(send: BatchSender<E>, options: LoggerOptions<E> = {}) {
    this.#send = send;
    this.#options = options;
    this.#maxBatch = Math.min(options.maxBatch ?? 100, 1000);
    this.#maxBytes = options.maxBytes ?? 1024 * 1024;
    this.#maxQueue = options.maxQueue ?? 10_000;
    this.#policy = options.overflow ?? "block";
    this.#backoff = options.backoff ?? defaultBackoff;
    if (this.#maxBatch < 1 || this.#maxQueue < 1)
      throw new RangeError("maxBatch and maxQueue must be ≥ 1");
    this.#timer = setInterval(() => this.#tick(), options.flushIntervalMs ?? 1000);
    // Do not hold a Node process open for a logger alone; browsers have no unref.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Events held in memory (queued and in flight) and waiting for room. */
  get size(): number {
    return this.#queue.length + this.#waiters.length;
  }

  /**
   * Queues an event. Resolves once it is queued (with "block", after waiting for room);
   * rejects with `QueueFullError` ("reject" policy), `LoggerClosedError` or a `RangeError`
   * for an event larger than `maxBytes`.
   */
  log(event: E): Promise<void> {
    if (this.#closed) return Promise.reject(new LoggerClosedError("logger is closed"));
    const bytes = encoder.encode(JSON.stringify(event)).byteLength;
    if (bytes + BATCH_ENVELOPE_BYTES > this.#maxBytes) {
      return Promise.reject(new RangeError(`event of ${bytes} bytes exceeds maxBytes`));
    }
    const entry = { event, bytes };
    if (this.#queue.length < this.#maxQueue && this.#waiters.length === 0) {
      this.#enqueue(entry);
      return Promise.resolve();
    }
    if (this.#policy === "block") {
      return new Promise((resolve) => this.#waiters.push({ entry, resolve }));
    }
    if (this.#policy === "reject") {
      this.#options.onOverflow?.([event]);
      return Promise.reject(new QueueFullError(`logger queue is full (${this.#maxQueue} events)`));
    }
    const pinned = this.#pinned?.count ?? 0;
    const [dropped] = this.#queue.splice(pinned, 1);
    if (dropped) {
      this.#enqueue(entry);
      this.#options.onOverflow?.([dropped.event]);
    } else {
      this.#options.onOverflow?.([event]);
    }
    return Promise.resolve();
  }

  /**
   * Sends everything queued so far (and anything waiting for room). Rejects with the
   * error of a batch that still fails after its retries; its events stay queued.
   */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#waiters.length > 0) {
      const failuresBefore = this.#failures;
      await this.#pump(true);
      if (this.#failures > failuresBefore) throw this.#lastError;
    }
  }

  /**
   * Stops accepting events, sends what is queued and stops the timer. If sending fails,
   * the events left are handed to `onError` (`retrying: false`) and the error rethrown.
   */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      await this.flush();
    } catch (error) {
      const left = [...this.#queue, ...this.#waiters.map((waiter) => waiter.entry)];
      this.#queue = [];
      this.#pinned = undefined;
      for (const waiter of this.#waiters) waiter.resolve();
      this.#waiters = [];
      this.#options.onError?.(
        error,
        left.map((entry) => entry.event),
        { retrying: false },
      );
      throw error;
    } finally {
      clearInterval(this.#timer);
    }
  }

  #lastError: unknown;

  #enqueue(entry: Entry<E>): void {
    this.#queue.push(entry);
    if (this.#queue.length >= this.#maxBatch) void this.#pump(false).catch(() => {});
  }

  #tick(): void {
    if (this.#queue.length > 0 && Date.now() >= this.#retryAt)
      void this.#pump(false).catch(() => {});
  }

  /** Sends the head batch unless one is in flight (then waits for it). */
  #pump(ignoreBackoff: boolean): Promise<void> {
    if (this.#sending) return this.#sending;
    if (!ignoreBackoff && Date.now() < this.#retryAt) return Promise.resolve();
    this.#sending = this.#sendHead().finally(() => {
      this.#sending = undefined;
      this.#admitWaiters();
    });
    return this.#sending;
  }

  async #sendHead(): Promise<void> {
    this.#admitWaiters();
    if (this.#queue.length === 0) return;
    this.#pinned ??= { count: this.#batchLength(), key: generateIdempotencyKey() };
    const { count, key } = this.#pinned;
    const events = this.#queue.slice(0, count).map((entry) => entry.event);
    try {
      await this.#send(events, key);
      this.#queue.splice(0, count);
      this.#pinned = undefined;
      this.#failures = 0;
      this.#retryAt = 0;
    } catch (error) {
      if (isTransient(error)) {
        this.#lastError = error;
        this.#failures++;
        this.#retryAt = Date.now() + backoffDelay(this.#failures - 1, this.#backoff);
        this.#options.onError?.(error, events, { retrying: true });
      } else {
        this.#reject(error, count);
      }
    }
  }

  /** A permanent rejection: give up the invalid events, keep the others queued. */
  #reject(error: unknown, count: number): void {
    const invalid = invalidIndexes(error, count);
    const batch = this.#queue.splice(0, count);
    this.#pinned = undefined;
    const kept = invalid ? batch.filter((_, index) => !invalid.has(index)) : [];
    const given = invalid ? batch.filter((_, index) => invalid.has(index)) : batch;
    this.#queue.unshift(...kept);
    this.#options.onError?.(
      error,
      given.map((entry) => entry.event),
      { retrying: false },
    );
  }

  #batchLength(): number {
    let bytes = BATCH_ENVELOPE_BYTES;
    let count = 0;
    for (const entry of this.#queue) {
      if (count >= this.#maxBatch) break;
      const next = bytes + entry.bytes + (count > 0 ? 1 : 0);
      if (count > 0 && next > this.#maxBytes) break;
      bytes = next;
      count++;
    }
    return count;
  }

  #admitWaiters(): void {
    while (this.#waiters.length > 0 && this.#queue.length < this.#maxQueue) {
      const waiter = this.#waiters.shift() as Waiter<E>;
      this.#queue.push(waiter.entry);
      waiter.resolve();
    }
  }
}

function isTransient(error: unknown): boolean {
  if (!(error instanceof ChronicleError)) return false;
  return error.status === undefined || isRetryableStatus(error.status);
}

/**
 * The batch indexes a 422 names in its `errors[].pointer` (`/events/3/actor/type`), or
 * `undefined` when the answer does not single events out (then the whole batch failed).
 */
function invalidIndexes(error: unknown, count: number): Set<number> | undefined {
  if (!(error instanceof ChronicleError) || error.status !== 422) return undefined;
  const errors = (error.problem as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const indexes = new Set<number>();
  for (const item of errors) {
    const pointer = (item as { pointer?: unknown } | null)?.pointer;
    const match = typeof pointer === "string" ? /^\/events\/(\d+)(\/|$)/.exec(pointer) : null;
    if (!match) return undefined;
    const index = Number(match[1]);
    if (index >= count) return undefined;
    indexes.add(index);
  }
  return indexes.size > 0 ? indexes : undefined;
}
