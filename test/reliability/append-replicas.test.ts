import {
  createPostgresDatabase,
  createProjectWithCli,
  issueEvent,
  POSTGRES_URL,
  type PostgresDatabase,
  type ServerProcess,
  startServerProcess,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Chronicle, type Event, verifyChain } from "../../packages/sdk/src/index.js";
import { authHeaders, sdkFor } from "./support/index.js";

/**
 * Appends decide the chain in one statement that compare-and-sets the project's head, from
 * the head each server process keeps in memory; the processes here share one project, so
 * their heads go stale all the time and every guarantee rests on the database's check:
 * gap-free seq, one chain, exactly once per Idempotency-Key, and tails on every replica
 * woken after the commit (no NOTIFY inside it). Heartbeats are an hour apart, so a tail
 * that sees an event within the second was woken by the append, not by its heartbeat.
 */
const WRITERS_PER_SERVER = 6;
const EVENTS_PER_WRITER = 15;
const TAIL_WITHIN_MS = 1_000;

describe.skipIf(!POSTGRES_URL)(
  "appends from two server processes to one project (PostgreSQL)",
  () => {
    let db: PostgresDatabase;
    let servers: ServerProcess[] = [];
    let apiKey: string;
    let clients: Chronicle[];

    beforeAll(async () => {
      db = await createPostgresDatabase("appendreplicas");
      apiKey = (await createProjectWithCli({ databaseUrl: db.url }, "Append replicas")).api_key;
      const env = { CHRONICLE_HEARTBEAT_MS: "3600000", CHRONICLE_RATE_LIMIT_PER_MINUTE: "100000" };
      servers = await Promise.all(
        [0, 1].map(() => startServerProcess({ databaseUrl: db.url, env })),
      );
      clients = servers.map((server) => sdkFor(server.url, apiKey));
    }, 180_000);

    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await db?.drop();
    });

    async function allEvents(): Promise<Event[]> {
      const events: Event[] = [];
      for await (const event of (clients[0] as Chronicle).events.export({ format: "ndjson" })) {
        events.push(event);
      }
      return events;
    }

    it("when both append concurrently, then seq is gap-free, the chain is valid and nothing is recorded twice", async () => {
      const written = await Promise.all(
        clients.flatMap((client, server) =>
          Array.from({ length: WRITERS_PER_SERVER }, async (_, writer) => {
            const seqs: number[] = [];
            for (let n = 0; n < EVENTS_PER_WRITER; n++) {
              const summary = `server ${server} writer ${writer} #${n}`;
              if (n % 5 === 4) {
                const batch = await client.events.batch({
                  events: [issueEvent(n, { summary }), issueEvent(n, { summary: `${summary}b` })],
                });
                seqs.push(...batch.data.map((event) => event.seq));
              } else {
                seqs.push((await client.events.create(issueEvent(n, { summary }))).seq);
              }
            }
            return seqs;
          }),
        ),
      );
      const acknowledged = written.flat();
      const expected = 2 * WRITERS_PER_SERVER * (EVENTS_PER_WRITER + EVENTS_PER_WRITER / 5);
      expect(acknowledged).toHaveLength(expected);
      expect(new Set(acknowledged).size).toBe(expected);

      const events = await allEvents();
      // An export records itself as an event: seqs are checked over everything.
      expect(events.map((event) => event.seq)).toEqual(
        Array.from({ length: events.length }, (_, index) => index + 1),
      );
      const ours = events.filter((event) => event.summary?.startsWith("server "));
      expect(ours).toHaveLength(expected);
      expect(new Set(ours.map((event) => event.summary)).size).toBe(expected);
      expect(ours.map((event) => event.seq).sort((a, b) => a - b)).toEqual(
        [...acknowledged].sort((a, b) => a - b),
      );
      expect(await verifyChain(events)).toMatchObject({ valid: true, first_invalid_seq: null });
      for (let index = 1; index < events.length; index++) {
        const [previous, event] = [events[index - 1] as Event, events[index] as Event];
        expect(event.created_at >= previous.created_at).toBe(true);
      }
      const integrity = await (clients[1] as Chronicle).integrity.verify();
      expect(integrity).toMatchObject({ valid: true });
    }, 180_000);

    it("when one Idempotency-Key is sent to both at once, then one request is recorded and every answer is its result", async () => {
      for (let round = 0; round < 5; round++) {
        const key = `replicas-${round}`;
        const body = JSON.stringify({
          events: [issueEvent(round, { summary: `keyed ${round}` }), issueEvent(round)],
        });
        const answers = await Promise.all(
          [...servers, ...servers].map(async (server) => {
            const response = await fetch(`${server.url}/v1/events/batch`, {
              method: "POST",
              headers: {
                ...authHeaders(apiKey),
                "Content-Type": "application/json",
                "Idempotency-Key": key,
              },
              body,
            });
            return { status: response.status, text: await response.text() };
          }),
        );
        expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
        // Byte-identical: the replays read back exactly what the first request was answered.
        expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
        const page = await (clients[0] as Chronicle).events.list({ search: `keyed ${round}` });
        expect(page.data).toHaveLength(1);
      }
    }, 120_000);

    it("when events are appended through one, then a tail on the other receives them within a second", async () => {
      const [writer, reader] = clients as [Chronicle, Chronicle];
      const controller = new AbortController();
      const start = (await writer.events.create(issueEvent(0, { summary: "tail start" }))).seq;
      const tail = reader.events.tail({}, { lastEventId: start, signal: controller.signal });
      const received = new Map<number, number>();
      const reading = (async () => {
        for await (const event of tail) received.set(event.seq, Date.now());
      })().catch(() => undefined);

      const waitFor = async (seq: number) => {
        const deadline = Date.now() + 10_000;
        while (!received.has(seq) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return received.get(seq);
      };
      // The first one also waits for the tail to connect.
      const first = await writer.events.create(issueEvent(1, { summary: "tail warm-up" }));
      expect(await waitFor(first.seq)).toBeDefined();

      const delays: number[] = [];
      for (let n = 0; n < 10; n++) {
        const event = await writer.events.create(issueEvent(n, { summary: `tail ${n}` }));
        const acknowledged = Date.now();
        const at = await waitFor(event.seq);
        expect(at).toBeDefined();
        delays.push((at as number) - acknowledged);
        await new Promise((resolve) => setTimeout(resolve, 20 + n * 10));
      }
      controller.abort();
      await reading;
      console.info("ms from acknowledgement on A to the tail on B:", JSON.stringify(delays));
      for (const delay of delays) expect(delay).toBeLessThan(TAIL_WITHIN_MS);
      // Every event after the start exactly once, in order.
      const seqs = [...received.keys()];
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => start + 1 + index));
    }, 120_000);
  },
);
