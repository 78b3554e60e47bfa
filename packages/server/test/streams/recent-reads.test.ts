import type { Event } from "@chronicle/types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RecentReads } from "../../src/services/streams/recent-reads.js";

/**
 * The streams' shared reads (services/streams/recent-reads.ts) against the reads they
 * replace: whatever the order of reads, appends and elapsed time, each answer is exactly
 * what the database would have answered, and what one stream read is not read again.
 */

/** A project's log: seq 1..head, the events a stream's filters match among them. */
class Log {
  head = 0;
  readonly matching: Event[] = [];
  calls: [number, number, number][] = [];

  append(count: number, matches: (seq: number) => boolean, summary = ""): void {
    for (let n = 0; n < count; n++) {
      this.head += 1;
      if (matches(this.head)) this.matching.push({ seq: this.head, summary } as Event);
    }
  }

  /** What the database answers: the matching events in (after, upTo], at most `limit`. */
  direct(after: number, upTo: number, limit: number): Event[] {
    return this.matching.filter((e) => e.seq > after && e.seq <= upTo).slice(0, limit);
  }

  read = async (after: number, upTo: number, limit: number): Promise<Event[]> => {
    this.calls.push([after, upTo, limit]);
    // Only committed seqs are ever asked for (a stream reads up to its project's last_seq).
    expect(upTo).toBeLessThanOrEqual(this.head);
    return this.direct(after, upTo, limit);
  };
}

const seqs = (events: Event[]) => events.map((e) => e.seq);

describe("log streams' shared reads", () => {
  it("when streams read, append and wait in any order, then every answer is the database's", async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("append" as const), count: fc.integer({ min: 0, max: 40 }) }),
      fc.record({
        kind: fc.constant("read" as const),
        key: fc.constantFrom("a", "b"),
        back: fc.integer({ min: 0, max: 60 }),
        short: fc.integer({ min: 0, max: 10 }),
        limit: fc.integer({ min: 1, max: 30 }),
      }),
      fc.record({ kind: fc.constant("wait" as const), ms: fc.constantFrom(10, 1_000, 6_000) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        async (steps, every) => {
          let clock = 0;
          const reads = new RecentReads(() => clock);
          const logs = { a: new Log(), b: new Log() };
          for (const s of steps) {
            if (s.kind === "append") {
              logs.a.append(s.count, (seq) => seq % every === 0);
              logs.b.append(s.count, (seq) => seq % (every + 1) === 1);
            } else if (s.kind === "wait") {
              clock += s.ms;
            } else {
              const log = logs[s.key];
              const after = Math.max(0, log.head - s.back);
              const upTo = Math.max(after, log.head - s.short);
              const answer = await reads.read(s.key, after, upTo, s.limit, log.read);
              expect(seqs(answer)).toEqual(seqs(log.direct(after, upTo, s.limit)));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("when four streams read the same range and linger, then the database is asked once for it and then for the new seqs only", async () => {
    const reads = new RecentReads(() => 0);
    const log = new Log();
    log.append(30, () => true);
    for (let stream = 0; stream < 4; stream++) {
      expect(seqs(await reads.read("p", 0, 30, 100, log.read))).toHaveLength(30);
    }
    expect(log.calls).toEqual([[0, 30, 100]]);
    // Each lingered, the project appended ten more: only (30, 40] is read, once.
    log.append(10, () => true);
    for (let stream = 0; stream < 4; stream++) {
      expect(seqs(await reads.read("p", 0, 40, 100, log.read))).toHaveLength(40);
    }
    expect(log.calls).toEqual([
      [0, 30, 100],
      [30, 40, 70],
    ]);
    // A stream that sent (0, 40] reads on from its cursor: nothing new, nothing asked.
    expect(await reads.read("p", 40, 40, 100, log.read)).toEqual([]);
    expect(log.calls).toHaveLength(2);
  });

  it("when a read is cut by its limit, then what lies past its last event is read, not assumed empty", async () => {
    const reads = new RecentReads(() => 0);
    const log = new Log();
    log.append(50, () => true);
    expect(seqs(await reads.read("p", 0, 50, 10, log.read))).toEqual(
      Array.from({ length: 10 }, (_, n) => n + 1),
    );
    expect(seqs(await reads.read("p", 5, 50, 10, log.read))).toEqual(
      Array.from({ length: 10 }, (_, n) => n + 6),
    );
    expect(log.calls).toEqual([
      [0, 50, 10],
      [10, 50, 5],
    ]);
  });

  it("when filters or projects differ, or the span is older than its time to live, then nothing is shared", async () => {
    let clock = 0;
    const reads = new RecentReads(() => clock);
    const log = new Log();
    log.append(5, () => true);
    await reads.read("project-a", 0, 5, 100, log.read);
    await reads.read("project-b", 0, 5, 100, log.read);
    clock += 5_001;
    await reads.read("project-a", 0, 5, 100, log.read);
    expect(log.calls).toHaveLength(3);
  });

  it("when many spans are read, then the events' text held stays under 8 MB and the answers stay right", async () => {
    const reads = new RecentReads(() => 0);
    const log = new Log();
    log.append(3_000, () => true, "x".repeat(1_000));
    for (let project = 0; project < 12; project++) {
      const answer = await reads.read(`p${project}`, 0, 3_000, 1_000, log.read);
      expect(answer).toHaveLength(1_000);
    }
    const held = (reads as unknown as { held: number }).held;
    expect(held).toBeGreaterThan(6_000_000);
    expect(held).toBeLessThanOrEqual(8_000_000);
    // The first projects' spans were evicted: read again, still right.
    expect(seqs(await reads.read("p0", 500, 3_000, 1_000, log.read))).toEqual(
      Array.from({ length: 1_000 }, (_, n) => n + 501),
    );
  });

  it("when many projects' streams read nothing new, then at most 1,024 spans are kept and expired ones go", async () => {
    let clock = 0;
    const reads = new RecentReads(() => clock);
    const log = new Log();
    log.append(10, () => true);
    const spans = () => (reads as unknown as { spans: Map<string, unknown> }).spans.size;
    for (let project = 0; project < 3_000; project++) {
      expect(await reads.read(`p${project}`, 10, 10, 100, log.read)).toEqual([]);
    }
    expect(spans()).toBe(1_024);
    clock += 6_000;
    await reads.read("fresh", 0, 10, 100, log.read);
    expect(spans()).toBe(1);
  });

  it("when a span grows after a read, then the answer already given does not change", async () => {
    const reads = new RecentReads(() => 0);
    const log = new Log();
    log.append(5, () => true);
    const first = await reads.read("p", 0, 5, 100, log.read);
    log.append(5, () => true);
    await reads.read("p", 0, 10, 100, log.read);
    expect(seqs(first)).toEqual([1, 2, 3, 4, 5]);
  });
});
