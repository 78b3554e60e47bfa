import type { Event } from "@chronicle/types";
import { eventJson } from "./event-json.js";

/** Reads the matching events in (afterSeq, upToSeq], seq ascending, at most `limit`. */
export type ReadRange = (afterSeq: number, upToSeq: number, limit: number) => Promise<Event[]>;

/** Every matching event in (after, coveredTo], seq ascending. */
interface Span {
  after: number;
  coveredTo: number;
  events: Event[];
  /** Characters of the events' JSON text. */
  size: number;
  usedAt: number;
}

/** A span unused this long is read again: a purge may have removed some of its events. */
const TTL_MS = 5_000;
/** Events one span keeps; past it, its oldest go (a stream that far behind reads them). */
const MAX_SPAN_EVENTS = 2_000;
/**
 * JSON text of the events all spans keep together (the parsed events take about as much
 * again): past it, the least recently used spans go. The batch cutter serialises every
 * event it reads anyway, and the text is kept beside the event (event-json.ts).
 */
const MAX_CHARACTERS = 8_000_000;
/** Spans kept at most (an empty read is a span too: a project and filters with nothing new). */
const MAX_SPANS = 1_024;

/**
 * The events a process's log streams read lately, by project and filters. A project's
 * streams read the same events: each after the same appends, and each twice when it
 * lingers (once to find its batch not yet full, once to send it). Appended events never
 * change, and every seq up to a project's `last_seq` is committed, so a read of
 * (after, upTo] that returned fewer events than its limit holds every matching event of
 * that range for good: a later read that starts inside it takes its events from memory
 * and asks the database only for the seqs past it, and the streams share the parsed
 * events (and so their serialised text, event-json.ts). bench/FINDINGS.md B52.
 */
export class RecentReads {
  private readonly spans = new Map<string, Span>();
  private held = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** What `read(afterSeq, upToSeq, limit)` returns, from memory where a span covers it. */
  async read(
    key: string,
    afterSeq: number,
    upToSeq: number,
    limit: number,
    read: ReadRange,
  ): Promise<Event[]> {
    const now = this.now();
    const span = this.spans.get(key);
    if (!span || now - span.usedAt > TTL_MS || afterSeq < span.after || afterSeq > span.coveredTo) {
      const events = await read(afterSeq, upToSeq, limit);
      this.keep(key, {
        after: afterSeq,
        coveredTo: coveredTo(events, upToSeq, limit),
        // A copy: the span grows in place, the answer must not.
        events: [...events],
        size: sizeOf(events),
        usedAt: now,
      });
      return events;
    }
    this.touch(key, span, now);
    const kept = slice(span.events, afterSeq, Math.min(upToSeq, span.coveredTo), limit);
    if (kept.length >= limit || span.coveredTo >= upToSeq) return kept;
    const from = span.coveredTo;
    const rest = limit - kept.length;
    const more = await read(from, upToSeq, rest);
    // Another read may have extended or replaced the span meanwhile: extend only from where
    // this read started.
    if (this.spans.get(key) === span && span.coveredTo === from) {
      const size = sizeOf(more);
      span.events.push(...more);
      span.coveredTo = coveredTo(more, upToSeq, rest);
      span.size += size;
      this.held += size;
      this.trim(span);
      this.evict(now);
    }
    return kept.concat(more);
  }

  clear(): void {
    this.spans.clear();
    this.held = 0;
  }

  private keep(key: string, span: Span): void {
    const old = this.spans.get(key);
    if (old) {
      this.held -= old.size;
      this.spans.delete(key);
    }
    this.spans.set(key, span);
    this.held += span.size;
    this.trim(span);
    this.evict(span.usedAt);
  }

  /** Most recently used last, so eviction takes the first. */
  private touch(key: string, span: Span, now: number): void {
    span.usedAt = now;
    this.spans.delete(key);
    this.spans.set(key, span);
  }

  private trim(span: Span): void {
    const over = span.events.length - MAX_SPAN_EVENTS;
    if (over <= 0) return;
    const dropped = span.events.slice(0, over);
    span.after = (dropped[over - 1] as Event).seq;
    span.events = span.events.slice(over);
    const size = sizeOf(dropped);
    span.size -= size;
    this.held -= size;
  }

  /** Drops the least recently used spans while there are too many or they expired. */
  private evict(now: number): void {
    for (const [key, span] of this.spans) {
      const within = this.held <= MAX_CHARACTERS && this.spans.size <= MAX_SPANS;
      if (within && now - span.usedAt <= TTL_MS) return;
      this.spans.delete(key);
      this.held -= span.size;
    }
  }
}

function sizeOf(events: Event[]): number {
  let size = 0;
  for (const event of events) size += eventJson(event).length;
  return size;
}

/** How far a read of (after, upToSeq] is complete: to its last event when the limit cut it. */
function coveredTo(events: Event[], upToSeq: number, limit: number): number {
  return events.length >= limit ? (events[events.length - 1] as Event).seq : upToSeq;
}

/** The events with afterSeq < seq <= upToSeq, at most `limit`, of seq-ascending `events`. */
function slice(events: Event[], afterSeq: number, upToSeq: number, limit: number): Event[] {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle] as Event).seq <= afterSeq) low = middle + 1;
    else high = middle;
  }
  let end = low;
  while (end < events.length && end - low < limit && (events[end] as Event).seq <= upToSeq) end++;
  return events.slice(low, end);
}
