import { describe, expect, it } from "vitest";
import { AuthenticationError, ServerError } from "../src/core/errors.js";
import { tailEvents } from "../src/streaming/tail.js";

const frame = (seq: number) =>
  `id: ${seq}\nevent: event\ndata: ${JSON.stringify({ seq, action: "a.b" })}\n\n`;

/** A byte stream of SSE text; with `dropAfter`, the connection errors instead of ending. */
function sse(text: string, dropAfter = false): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true;
        // Split mid-frame so the parser must carry partial input across chunks.
        const cut = Math.floor(bytes.length / 2) + 3;
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
      } else if (dropAfter) controller.error(new TypeError("terminated"));
      else controller.close();
    },
  });
}

const backoff = { baseDelayMs: 10, maxDelayMs: 50 };

describe("tailEvents", () => {
  it("when the stream drops mid-way, then it reconnects with Last-Event-ID and yields no event twice", async () => {
    const seen: (string | undefined)[] = [];
    const connections = [
      // Drops in the middle of frame 3 (an incomplete event is discarded).
      () => sse(`retry: 10\n\n${frame(1)}${frame(2)}${frame(3).slice(0, 12)}`, true),
      // The server replays from an older point: 2 must not come back.
      () => sse(`: heartbeat\n\n${frame(2)}${frame(3)}${frame(4)}`),
      () => sse(`${frame(4)}${frame(5)}${frame(6)}`, true),
    ];
    const received: number[] = [];
    for await (const event of tailEvents<{ seq: number }>({
      backoff,
      connect: async (lastEventId) => {
        seen.push(lastEventId);
        const open = connections[seen.length - 1];
        if (!open) throw new Error("no more connections expected");
        return open();
      },
    })) {
      received.push(event.seq);
      if (event.seq === 6) break;
    }
    expect(received).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen).toEqual([undefined, "2", "4"]);
  });

  it("when connecting fails transiently, then it backs off and retries", async () => {
    let attempts = 0;
    const started = performance.now();
    const iterator = tailEvents<{ seq: number }>({
      backoff: { baseDelayMs: 40, maxDelayMs: 40 },
      random: () => 0.5,
      lastEventId: "10",
      connect: async (lastEventId) => {
        attempts++;
        expect(lastEventId).toBe("10");
        if (attempts < 3) throw new ServerError("503", { status: 503 });
        return sse(frame(11));
      },
    })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ seq: 11 });
    expect(attempts).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(38);
    await iterator.return();
  });

  it("when the server refuses the credential, then the error is thrown, not retried", async () => {
    let attempts = 0;
    const run = async () => {
      for await (const _ of tailEvents({
        backoff,
        connect: async () => {
          attempts++;
          throw new AuthenticationError("401", { status: 401 });
        },
      })) {
        // nothing arrives
      }
    };
    await expect(run()).rejects.toBeInstanceOf(AuthenticationError);
    expect(attempts).toBe(1);
  });

  it("when the consumer breaks, then the connection is aborted", async () => {
    let signal: AbortSignal | undefined;
    for await (const _ of tailEvents({
      backoff,
      connect: async (_id, connectionSignal) => {
        signal = connectionSignal;
        return sse(frame(1) + frame(2));
      },
    })) {
      break;
    }
    expect(signal?.aborted).toBe(true);
  });

  it("when the caller aborts while waiting to reconnect, then it stops with the reason", async () => {
    const controller = new AbortController();
    const run = async () => {
      for await (const _ of tailEvents({
        backoff: { baseDelayMs: 5000, maxDelayMs: 5000 },
        random: () => 0.9,
        signal: controller.signal,
        connect: async () => {
          setTimeout(() => controller.abort(new Error("bye")), 20);
          return sse("", false);
        },
      })) {
        // no events
      }
    };
    const started = performance.now();
    await expect(run()).rejects.toThrow("bye");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
