import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChronicleError, ConnectionError } from "../../packages/sdk/src/core/errors.js";
import { tailEvents } from "../../packages/sdk/src/streaming/tail.js";

/**
 * The SDK's live tail over a server whose connections drop anywhere (mid-line, mid-UTF-8
 * character), arrive in arbitrary chunks, fail to open, and resume from `Last-Event-ID`
 * (sometimes re-sending events the client already has): every event is yielded exactly
 * once, in order.
 */

interface TailEvent {
  id: string;
  seq: number;
  summary: string;
}

interface Connection {
  /** The open fails with a transient error (no response). */
  refuse: boolean;
  /** How many already-delivered events the server sends again. */
  rewind: number;
  /** Where the connection drops, as a fraction of its bytes (1: it delivers everything). */
  dropAt: number;
  /** How the stream ends at that point. */
  ending: "error" | "close";
  /** Chunk sizes the bytes arrive in (cycled). */
  chunks: number[];
  crlf: boolean;
  heartbeats: boolean;
}

const connection: fc.Arbitrary<Connection> = fc.record({
  refuse: fc.boolean(),
  rewind: fc.nat({ max: 3 }),
  dropAt: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(1)),
  ending: fc.constantFrom("error" as const, "close" as const),
  chunks: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }),
  crlf: fc.boolean(),
  heartbeats: fc.boolean(),
});

/** Strictly increasing seqs with gaps (a filtered tail skips other events). */
const events: fc.Arbitrary<TailEvent[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 25 })
  .map((seqs) =>
    seqs
      .sort((a, b) => a - b)
      .map((seq) => ({ id: `evt_${seq}`, seq, summary: `Zoë ✓ 😀 #${seq}` })),
  );

function sse(list: TailEvent[], plan: Connection): string {
  const nl = plan.crlf ? "\r\n" : "\n";
  const blocks = list.map(
    (e) => `id: ${e.seq}${nl}event: event${nl}data: ${JSON.stringify(e)}${nl}${nl}`,
  );
  if (plan.heartbeats) {
    return blocks
      .map((block) => `: heartbeat${nl}${nl}${block}event: heartbeat${nl}data: {}${nl}${nl}`)
      .join("");
  }
  return blocks.join("");
}

/** A server that serves `all` after `Last-Event-ID`, following `plans` connection by connection. */
function fakeServer(all: TailEvent[], plans: Connection[]) {
  let opened = 0;
  const giveUpAfter = plans.length + 3;
  const lastEventIds: (string | undefined)[] = [];
  const connect = async (lastEventId: string | undefined) => {
    lastEventIds.push(lastEventId);
    const plan = plans[opened];
    opened++;
    if (opened > giveUpAfter) throw new ChronicleError("the test server gives up", { status: 400 });
    if (plan?.refuse) throw new ConnectionError("refused");
    const after = lastEventId === undefined ? 0 : Number(lastEventId);
    const delivered = all.filter((e) => e.seq <= after);
    const resent = plan ? delivered.slice(Math.max(0, delivered.length - plan.rewind)) : [];
    const bytes = new TextEncoder().encode(
      sse([...resent, ...all.filter((e) => e.seq > after)], plan ?? FULL),
    );
    const cut = plan ? Math.floor(plan.dropAt * bytes.length) : bytes.length;
    const chunks = plan?.chunks ?? [bytes.length || 1];
    return new ReadableStream<Uint8Array>({
      start(controller) {
        let at = 0;
        for (let i = 0; at < cut; i++) {
          const size = chunks[i % chunks.length] as number;
          controller.enqueue(bytes.slice(at, Math.min(cut, at + size)));
          at += size;
        }
        if (plan && plan.ending === "error" && plan.dropAt < 1) {
          controller.error(new TypeError("network connection lost"));
        } else {
          controller.close();
        }
      },
    });
  };
  return { connect, lastEventIds };
}

const FULL: Connection = {
  refuse: false,
  rewind: 0,
  dropAt: 1,
  ending: "close",
  chunks: [1 << 20],
  crlf: false,
  heartbeats: false,
};

async function collect(all: TailEvent[], plans: Connection[], lastEventId?: string) {
  const server = fakeServer(all, plans);
  const received: TailEvent[] = [];
  const expected = all.filter((e) => lastEventId === undefined || e.seq > Number(lastEventId));
  if (expected.length === 0) return { received, expected, server };
  for await (const event of tailEvents<TailEvent>({
    connect: server.connect,
    lastEventId,
    backoff: { baseDelayMs: 0, maxDelayMs: 0 },
    random: () => 0,
  })) {
    received.push(event);
    if (received.length >= expected.length) break;
  }
  return { received, expected, server };
}

describe("SSE resume in the SDK's tail", () => {
  it("yields every event exactly once, in order, whatever the chunking and disconnects", async () => {
    await fc.assert(
      fc.asyncProperty(events, fc.array(connection, { maxLength: 12 }), async (all, plans) => {
        const { received, expected } = await collect(all, plans);
        expect(received).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it("resumes from the Last-Event-ID it was given and sends the last seq it saw", async () => {
    await fc.assert(
      fc.asyncProperty(
        events,
        fc.array(connection, { maxLength: 6 }),
        fc.nat(),
        async (all, plans, pick) => {
          const start = all[pick % all.length] as TailEvent;
          const { received, expected, server } = await collect(all, plans, String(start.seq));
          expect(received).toEqual(expected);
          if (expected.length === 0) return;
          expect(server.lastEventIds[0]).toBe(String(start.seq));
          for (const id of server.lastEventIds) {
            expect(id === String(start.seq) || all.some((e) => String(e.seq) === id)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
