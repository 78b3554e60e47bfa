import { describe, expect, it } from "vitest";
import { ServerError, ValidationError } from "../src/core/errors.js";
import { EventLogger, LoggerClosedError, QueueFullError } from "../src/logger/event-logger.js";

interface Item {
  n: number;
}

/**
 * A batch endpoint that fails half of its calls: every second call fails before storing,
 * every fourth stores and then loses its answer. Like the real one, it remembers
 * idempotency keys and replays instead of storing twice.
 */
function flakyServer() {
  const stored: number[] = [];
  const keys = new Map<string, number>();
  let calls = 0;
  const send = async (events: Item[], key: string) => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (calls % 2 === 0) throw new ServerError("503 unavailable", { status: 503 });
    const known = keys.get(key);
    if (known === undefined) {
      keys.set(key, events.length);
      stored.push(...events.map((event) => event.n));
    } else {
      expect(known).toBe(events.length);
    }
    if (calls % 4 === 1) throw new ServerError("500 lost answer", { status: 500 });
  };
  return { send, stored, calls: () => calls };
}

const quick = { baseDelayMs: 1, maxDelayMs: 2 };

describe("EventLogger", () => {
  it("when the server fails half the batches, then every event is stored exactly once, in order", async () => {
    const server = flakyServer();
    const errors: boolean[] = [];
    const logger = new EventLogger<Item>(server.send, {
      maxBatch: 7,
      flushIntervalMs: 5,
      maxQueue: 20,
      backoff: quick,
      onError: (_error, _events, info) => errors.push(info.retrying),
    });
    for (let n = 0; n < 500; n++) await logger.log({ n });
    for (let attempt = 0; logger.size > 0 && attempt < 50; attempt++) {
      await logger.flush().catch(() => {});
    }
    await logger.close();
    expect(server.stored).toEqual(Array.from({ length: 500 }, (_, n) => n));
    expect(server.calls()).toBeGreaterThan(500 / 7 + 10);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((retrying) => retrying)).toBe(true);
  });

  it("when maxBatch and maxBytes are set, then batches respect both", async () => {
    const batches: Item[][] = [];
    const logger = new EventLogger<Item & { pad: string }>(
      async (events) => {
        batches.push(events);
      },
      { maxBatch: 5, maxBytes: 200, flushIntervalMs: 10_000 },
    );
    for (let n = 0; n < 12; n++) await logger.log({ n, pad: "x".repeat(40) });
    await logger.close();
    expect(batches.flat().map((event) => event.n)).toEqual(Array.from({ length: 12 }, (_, n) => n));
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(5);
      expect(JSON.stringify({ events: batch }).length).toBeLessThanOrEqual(200);
    }
    await expect(logger.log({ n: 99, pad: "" })).rejects.toBeInstanceOf(LoggerClosedError);
  });

  it("when an event is larger than maxBytes, then log() rejects it", async () => {
    const logger = new EventLogger<{ pad: string }>(async () => {}, { maxBytes: 50 });
    await expect(logger.log({ pad: "x".repeat(100) })).rejects.toBeInstanceOf(RangeError);
    await logger.close();
  });

  it("when the interval passes, then a partial batch is sent", async () => {
    const sent: Item[] = [];
    const logger = new EventLogger<Item>(
      async (events) => {
        sent.push(...events);
      },
      { maxBatch: 100, flushIntervalMs: 20 },
    );
    await logger.log({ n: 1 });
    expect(sent).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sent).toEqual([{ n: 1 }]);
    await logger.close();
  });

  it("when the queue is full with 'block', then log() waits until a batch is sent", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: number[] = [];
    const logger = new EventLogger<Item>(
      async (events) => {
        await gate;
        sent.push(...events.map((event) => event.n));
      },
      { maxBatch: 2, maxQueue: 2, flushIntervalMs: 10_000 },
    );
    await logger.log({ n: 1 });
    await logger.log({ n: 2 });
    let admitted = false;
    const third = logger.log({ n: 3 }).then(() => {
      admitted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(admitted).toBe(false);
    expect(logger.size).toBe(3);
    release();
    await third;
    expect(admitted).toBe(true);
    await logger.close();
    expect(sent).toEqual([1, 2, 3]);
  });

  it("when the queue is full with 'drop_oldest', then the oldest unsent event is reported", async () => {
    const dropped: Item[] = [];
    const sent: number[] = [];
    const logger = new EventLogger<Item>(
      async (events) => {
        sent.push(...events.map((event) => event.n));
      },
      {
        maxBatch: 100,
        maxQueue: 3,
        flushIntervalMs: 10_000,
        overflow: "drop_oldest",
        onOverflow: (events) => dropped.push(...events),
      },
    );
    for (let n = 1; n <= 5; n++) await logger.log({ n });
    await logger.close();
    expect(dropped).toEqual([{ n: 1 }, { n: 2 }]);
    expect(sent).toEqual([3, 4, 5]);
  });

  it("when the queue is full with 'reject', then log() rejects and the callback hears of it", async () => {
    const refused: Item[] = [];
    const logger = new EventLogger<Item>(async () => {}, {
      maxBatch: 100,
      maxQueue: 1,
      flushIntervalMs: 10_000,
      overflow: "reject",
      onOverflow: (events) => refused.push(...events),
    });
    await logger.log({ n: 1 });
    await expect(logger.log({ n: 2 })).rejects.toBeInstanceOf(QueueFullError);
    expect(refused).toEqual([{ n: 2 }]);
    await logger.close();
  });

  it("when the server rejects some events of a batch, then only those are given up", async () => {
    const sent: number[] = [];
    const givenUp: { events: Item[]; retrying: boolean }[] = [];
    const keys: string[] = [];
    const logger = new EventLogger<Item>(
      async (events, key) => {
        keys.push(key);
        const bad = events.findIndex((event) => event.n < 0);
        if (bad >= 0) {
          throw new ValidationError("422", {
            status: 422,
            code: "validation_failed",
            problem: {
              type: "https://chronicle.dev/problems/validation_failed",
              title: "Validation failed",
              status: 422,
              code: "validation_failed",
              request_id: "req_1",
              errors: [{ pointer: `/events/${bad}/action`, detail: "bad", code: "pattern" }],
            },
          });
        }
        sent.push(...events.map((event) => event.n));
      },
      {
        maxBatch: 10,
        flushIntervalMs: 10_000,
        onError: (_error, events, info) => givenUp.push({ events, retrying: info.retrying }),
      },
    );
    for (const n of [1, 2, -3, 4]) await logger.log({ n });
    await logger.close();
    expect(sent).toEqual([1, 2, 4]);
    expect(givenUp).toEqual([{ events: [{ n: -3 }], retrying: false }]);
    // A different body needs a different key.
    expect(new Set(keys).size).toBe(2);
  });

  it("when the server stays down, then flush() rejects, events stay queued, close() hands them over", async () => {
    const handedOver: Item[] = [];
    const logger = new EventLogger<Item>(
      async () => {
        throw new ServerError("503", { status: 503 });
      },
      {
        flushIntervalMs: 10_000,
        backoff: quick,
        onError: (_error, events, info) => {
          if (!info.retrying) handedOver.push(...events);
        },
      },
    );
    await logger.log({ n: 1 });
    await logger.log({ n: 2 });
    await expect(logger.flush()).rejects.toBeInstanceOf(ServerError);
    expect(logger.size).toBe(2);
    await expect(logger.close()).rejects.toBeInstanceOf(ServerError);
    expect(handedOver).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
