import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Event } from "@chronicle/types";
import {
  claimLeases,
  commitWithoutFlush,
  type LeasedCursor,
  leasedStreamsWithWork,
  pinBatch,
  releaseLease,
  releaseLeasesOf,
  scheduleRetry,
  selectLeasedStream,
  settleDelivered,
  skipToSeq,
} from "../../store/streams.js";
import { onLocalAppend } from "../events/append-signal.js";
import { newId } from "../system/ids.js";
import { recordInTransaction } from "../system/system-events.js";
import { retryDelayMs } from "./backoff.js";
import { cutBatch, matchingEvents, READ_CEILING, readLimit } from "./batch.js";
import { postOptionsOf, type StreamsContext } from "./context.js";
import type { Credentials } from "./credentials.js";
import { deliveryOf, pruneAttempts, recordAttempt } from "./deliveries.js";
import { driverFor } from "./destinations/index.js";
import { postOnce } from "./http-post.js";
import { RecentReads } from "./recent-reads.js";
import { type StreamFilters, type StreamRecord, toRecord } from "./stream-row.js";
import { credentialsOf } from "./streams.js";

interface WorkerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const silent: WorkerLogger = { info() {}, warn() {}, error() {} };

/** How many unowned streams one process takes per poll. */
const CLAIM_PER_TICK = 2;

/** Prune a stream's attempt history once every this many attempts. */
const PRUNE_EVERY = 50;
/**
 * The longest an idle stream waits before it reads its row again by itself. It is woken
 * sooner by an append of its project in this process, or by the worker's poll, which asks
 * once for all of the process's idle streams which have something to do (another replica's
 * appends, a rewind, a pause).
 */
const IDLE_RECHECK_MS = 5_000;
/** The longest a stream waits after steps that threw (a database fault, a bug) before trying again. */
const THROWN_STEP_MAX_WAIT_MS = 60_000;

interface Held extends StreamRecord {
  lastSeq: number;
}

/**
 * Delivers log streams. Every process runs one; a stream is delivered by the process that
 * holds its lease (a row in `streams`, renewed at half its life, taken over once expired),
 * so replicas share the streams with no coordinator but PostgreSQL. Per stream, a batch
 * is pinned (`pending_id`, `pending_last_seq`) before it is sent and the cursor moves only
 * after the destination acknowledged it: at-least-once, in seq order, and a retry (here or
 * after a takeover) resends the same events under the same `webhook-id`.
 *
 * When no stream is active the only cost is one UPDATE that matches nothing per poll. A
 * process takes at most CLAIM_PER_TICK new streams per poll, so replicas spread them.
 *
 * A process that cannot open a stream's credentials (no CHRONICLE_STREAMS_KEY, or another
 * key than the process that created the stream) must not hold its lease: it would renew it
 * forever while every send fails before the request, and the stream would stall with its
 * batch pinned. Without a key the worker takes no lease at all; with a key that does not
 * open a stream, it releases that stream and leaves it to the other replicas for a while.
 */
export class StreamWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly running = new Map<string, Promise<void>>();
  /** Streams whose credentials this process could not open, and until when it leaves them. */
  private readonly leftToOthers = new Map<string, number>();
  private readonly stopping = new AbortController();
  /** The events the streams read lately, shared between them and between lingers. */
  private readonly reads = new RecentReads();
  /** Wakes the idle streams' loops, by project and stream. */
  private readonly idle = new Map<string, Map<string, () => void>>();
  private stopLocal: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly context: StreamsContext,
    private readonly logger: WorkerLogger = silent,
    private readonly idleRecheckMs = IDLE_RECHECK_MS,
  ) {}

  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    if (!this.context.config.key) {
      this.logger.info(
        "log streams are not configured (no CHRONICLE_STREAMS_KEY): delivering none",
      );
      return;
    }
    this.stopLocal = onLocalAppend(this.context.store, (projectId) => this.wake(projectId));
    const loop = () => {
      this.ticking = this.tick().finally(() => {
        if (!this.stopping.signal.aborted) {
          this.timer = setTimeout(loop, this.context.config.pollMs);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref();
  }

  /** Stops claiming, lets in-flight deliveries finish or abort, and releases the leases. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.stopLocal?.();
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled(this.running.values());
    await releaseLeasesOf(this.context.store, this.owner).catch(() => undefined);
    this.reads.clear();
    for (const agent of Object.values(this.context.agents)) agent.destroy();
  }

  /** Renews the leases due for it and takes free or expired ones; starts their loops. */
  private async tick(): Promise<void> {
    const { leaseMs } = this.context.config;
    const now = Date.now();
    for (const [key, until] of this.leftToOthers) if (until <= now) this.leftToOthers.delete(key);
    try {
      // Renews this process's leases due for it, and takes at most CLAIM_PER_TICK free or
      // expired ones, so that replicas started together share the streams.
      const claimed = await claimLeases(this.context.store, {
        owner: this.owner,
        leaseMs,
        renewWithinMs: leaseMs / 2,
        excluded: [...this.leftToOthers.keys()],
        limit: CLAIM_PER_TICK,
      });
      for (const { project_id, stream_id } of claimed) {
        const key = `${project_id}/${stream_id}`;
        if (this.running.has(key) || this.stopping.signal.aborted) continue;
        const loop = this.deliverLoop(project_id, stream_id)
          .catch((error: unknown) =>
            this.logger.error("stream delivery loop failed", { stream_id, error: String(error) }),
          )
          .finally(() => this.running.delete(key));
        this.running.set(key, loop);
      }
    } catch (error) {
      this.logger.warn("stream lease claim failed", { error: String(error) });
    }
    if (this.idle.size === 0) return;
    try {
      for (const { project_id, stream_id } of await leasedStreamsWithWork(
        this.context.store,
        this.owner,
      )) {
        this.wake(project_id, stream_id);
      }
    } catch (error) {
      this.logger.warn("idle streams' check failed", { error: String(error) });
    }
  }

  /** Wakes the idle loops of the project's streams (of one stream, with `streamId`). */
  private wake(projectId: string, streamId?: string): void {
    const waiting = this.idle.get(projectId);
    if (streamId !== undefined) waiting?.get(streamId)?.();
    else for (const wake of waiting?.values() ?? []) wake();
  }

  /** Waits until woken (wake), `idleRecheckMs` at most, or the worker stops. */
  private waitIdle(projectId: string, streamId: string): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const project = this.idle.get(projectId) ?? new Map<string, () => void>();
      this.idle.set(projectId, project);
      const done = () => {
        clearTimeout(timer);
        this.stopping.signal.removeEventListener("abort", done);
        project.delete(streamId);
        if (project.size === 0 && this.idle.get(projectId) === project) this.idle.delete(projectId);
        resolve();
      };
      const timer = setTimeout(done, this.idleRecheckMs);
      timer.unref();
      this.stopping.signal.addEventListener("abort", done, { once: true });
      project.set(streamId, done);
    });
  }

  private async wait(ms: number): Promise<void> {
    await sleep(Math.max(0, ms), undefined, { signal: this.stopping.signal }).catch(
      () => undefined,
    );
  }

  /** The stream's row with the project's last seq, if this process still holds its lease. */
  private async held(projectId: string, streamId: string): Promise<Held | null> {
    const row = await selectLeasedStream(this.context.store, projectId, streamId, this.owner);
    if (!row) return null;
    return { ...toRecord(row), lastSeq: Number(row.project_last_seq) };
  }

  private async deliverLoop(projectId: string, streamId: string): Promise<void> {
    let attemptsMade = 0;
    /** Steps that threw in a row: their bookkeeping did not commit, so no retry was scheduled. */
    let thrownInARow = 0;
    const { pollMs } = this.context.config;
    while (!this.stopping.signal.aborted) {
      let held: Held | null;
      try {
        held = await this.held(projectId, streamId);
      } catch (error) {
        this.logger.warn("stream state read failed", { stream_id: streamId, error: String(error) });
        await this.wait(pollMs);
        continue;
      }
      if (!held) return;
      if (held.stream.status !== "active") {
        await this.release(held);
        return;
      }
      let credentials: Credentials;
      try {
        credentials = credentialsOf(this.context, held);
      } catch (error) {
        await this.leaveToOthers(held, error);
        return;
      }
      const due = held.stream.next_attempt_at ? Date.parse(held.stream.next_attempt_at) : 0;
      if (due > Date.now()) {
        await this.wait(Math.min(due - Date.now(), pollMs * 4));
        continue;
      }
      const outcome = await this.step(held, credentials).catch((error: unknown) => {
        this.logger.warn("stream delivery step failed", {
          stream_id: streamId,
          error: String(error),
        });
        return "threw" as const;
      });
      if (outcome === "threw") {
        // Backed off in memory (nothing committed to schedule a retry), as a failed delivery
        // is, rather than sent again every poll.
        thrownInARow += 1;
        await this.wait(retryDelayMs(thrownInARow + 1, pollMs, THROWN_STEP_MAX_WAIT_MS, null));
        continue;
      }
      thrownInARow = 0;
      if (outcome === "sent" && ++attemptsMade % PRUNE_EVERY === 0) {
        await pruneAttempts(this.context.store, projectId, streamId).catch(() => undefined);
      }
      if (outcome === "idle") await this.waitIdle(projectId, streamId);
      else if (typeof outcome === "number") await this.wait(outcome);
    }
  }

  /** Releases a stream this process cannot sign for, and does not take it again for a lease's time. */
  private async leaveToOthers(held: Held, error: unknown) {
    this.logger.error("stream credentials do not open with this process's CHRONICLE_STREAMS_KEY", {
      stream_id: held.stream.id,
      error: String(error),
    });
    this.leftToOthers.set(
      `${held.projectId}/${held.stream.id}`,
      Date.now() + this.context.config.leaseMs,
    );
    // The stream's last_error tells its owner why it is not moving if no replica can open it.
    await releaseLease(
      this.context.store,
      held.projectId,
      held.stream.id,
      this.owner,
      "a delivering server could not open the destination credentials (CHRONICLE_STREAMS_KEY differs)",
    );
  }

  private release(held: Held) {
    return releaseLease(this.context.store, held.projectId, held.stream.id, this.owner);
  }

  /**
   * One move: send the pinned batch, or cut and pin the next one. Answers "idle" when there
   * is nothing to send, "sent" after an attempt, or a number of ms to linger.
   */
  private async step(
    held: Held,
    credentials: Credentials,
  ): Promise<"idle" | "sent" | "again" | number> {
    const { stream } = held;
    const cursor = stream.cursor_seq;
    if (held.pendingId !== null && held.pendingLastSeq !== null) {
      const events = await this.matching(held, cursor, held.pendingLastSeq, READ_CEILING);
      await this.send(held, credentials, held.pendingId, held.pendingLastSeq, events);
      return "sent";
    }
    if (held.lastSeq <= cursor) return "idle";
    const read = await this.matching(held, cursor, held.lastSeq, stream.batching.max_events);
    const batch = cutBatch(read, held.lastSeq, stream.batching);
    const first = batch.events[0];
    if (!batch.full && first && stream.batching.linger_ms > 0) {
      const lingerLeft = Date.parse(first.created_at) + stream.batching.linger_ms - Date.now();
      if (lingerLeft > 0) return lingerLeft;
    }
    const at: LeasedCursor = {
      projectId: held.projectId,
      streamId: stream.id,
      owner: this.owner,
      cursorSeq: cursor,
    };
    if (batch.events.length === 0) {
      // Nothing in range matches the filters: move past it without a delivery.
      await skipToSeq(this.context.store, at, batch.lastSeq);
      return "again";
    }
    const messageId = newId("msg");
    const pinned = await pinBatch(this.context.store, at, messageId, batch.lastSeq);
    if (!pinned) return "again";
    // The events in hand are exactly the pinned range: send them without reading them again.
    await this.send(held, credentials, messageId, batch.lastSeq, batch.events);
    return "sent";
  }

  /** The stream's matching events in (afterSeq, upToSeq], at most `limit`, shared where read lately. */
  private matching(held: Held, afterSeq: number, upToSeq: number, limit: number) {
    const { projectId, stream } = held;
    // The limit the database read applies: a span is complete only up to what it could hold.
    return this.reads.read(
      readsKey(projectId, stream.filters),
      afterSeq,
      upToSeq,
      readLimit(limit),
      (from, to, most) =>
        matchingEvents(this.context.store, projectId, stream.filters, from, to, most),
    );
  }

  /** Sends the pinned batch and moves the cursor past it, or schedules the retry. */
  private async send(
    held: Held,
    credentials: Credentials,
    messageId: string,
    lastSeq: number,
    events: Event[],
  ) {
    const { stream, projectId } = held;
    const base = {
      projectId,
      streamId: stream.id,
      kind: "events" as const,
      messageId,
      firstSeq: events[0]?.seq ?? null,
      lastSeq,
      eventCount: events.length,
    };
    const result =
      events.length === 0
        ? { ok: true, status: null, latencyMs: 0, retryAfterMs: null, error: null }
        : await (async () => {
            const driver = driverFor(stream.destination.type);
            const message = {
              id: messageId,
              streamId: stream.id,
              kind: "events" as const,
              events,
              sentAt: new Date(),
            };
            const request = driver.request(stream.destination, credentials, message);
            return postOnce(
              request.url,
              request.headers,
              request.body,
              postOptionsOf(this.context),
            );
          })();
    if (result.ok) {
      await settleDelivered(this.context.store, this.owner, deliveryOf({ ...base, result }));
      return;
    }
    // A failure's bookkeeping (the attempt, the retry, perhaps a pause and its system event)
    // commits together, without waiting for the WAL flush, as the success path's does.
    await this.context.store.transaction(async (tx) => {
      await commitWithoutFlush(tx);
      if (events.length > 0) await recordAttempt(tx, { ...base, result });
      const attempts = held.attempts + 1;
      const { retryBaseMs, retryMaxMs, pauseAfterMs } = this.context.config;
      const delay = retryDelayMs(attempts, retryBaseMs, retryMaxMs, result.retryAfterMs);
      const failingSince = stream.failing_since ? Date.parse(stream.failing_since) : Date.now();
      const pause = Date.now() - failingSince >= pauseAfterMs;
      const updated = await scheduleRetry(tx, projectId, stream.id, this.owner, messageId, {
        attempts,
        retryInMs: delay,
        error: result.error,
        pause,
      });
      if (pause && updated) {
        await recordInTransaction(
          tx,
          projectId,
          { type: "system", id: "chronicle", name: "Chronicle" },
          {
            action: "stream.paused",
            target: { type: "stream", id: stream.id, name: stream.name },
            summary: `Log stream "${stream.name}" paused after failing since ${new Date(failingSince).toISOString()}`,
            metadata: {
              reason: "delivery_failing",
              last_error: result.error,
              cursor_seq: stream.cursor_seq,
            },
          },
        );
        this.logger.warn("stream paused after sustained failure", { stream_id: stream.id });
      }
    });
  }
}

/** Streams of one project with the same filters read the same events. */
function readsKey(projectId: string, filters: StreamFilters): string {
  return JSON.stringify([
    projectId,
    [...filters.actions].sort(),
    filters.workspace_id,
    [...filters.actor_types].sort(),
  ]);
}
