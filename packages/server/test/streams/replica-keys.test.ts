import { randomBytes } from "node:crypto";
import {
  client,
  event,
  newProject,
  Receiver,
  STORE_KINDS,
  setUp,
  type TestContext,
  testStreamsConfig,
  waitFor,
} from "@chronicle/test-kit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StreamsConfig } from "../../src/config.js";
import { createStreamsContext, StreamWorker } from "../../src/services/streams/index.js";
import { expectDelivered, verifiedBatches } from "./checks.js";

const STREAMS = 4;

/**
 * The bench's shape: four fresh webhook streams while events come in, on a database that
 * another server process also serves. That process has no streams key (or another one): it
 * cannot sign for the streams, so it must leave them to the process that can.
 */
describe.each(STORE_KINDS)(
  "log streams beside a replica without the key (%s)",
  {
    timeout: 90_000,
  },
  (kind) => {
    let ctx: TestContext;
    const config = testStreamsConfig();
    const workers: StreamWorker[] = [];
    const receivers: Receiver[] = [];

    beforeAll(async () => {
      ctx = await setUp(kind, { streams: config });
    }, 180_000);
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    });
    afterAll(async () => {
      await ctx.close();
    }, 180_000);

    function worker(streams: StreamsConfig, errors: string[] = []) {
      const started = new StreamWorker(createStreamsContext(ctx.store, streams), {
        info() {},
        warn() {},
        error: (message) => errors.push(message),
      });
      workers.push(started);
      started.start();
      return started;
    }

    async function leaseOwners(projectId: string) {
      const rows = await ctx.store.query<{ lease_owner: string | null }>(
        "SELECT lease_owner FROM streams WHERE project_id = $1",
        [projectId],
      );
      return rows.map((row) => row.lease_owner);
    }

    /**
     * Starts `other` first and lets it poll while four streams are created and events come
     * in, then starts a correctly configured worker; every stream must deliver every event.
     */
    async function deliverBeside(other: StreamWorker) {
      const { projectId, key } = await newProject(ctx.store);
      const api = client(ctx.server.base, key);
      const post = async (round: number) => {
        const events = Array.from({ length: 15 }, (_, i) =>
          event({ target: { type: "issue", id: `ISS-${round}-${i}` } }),
        );
        expect((await api("POST", "/v1/events/batch", { body: { events } })).status).toBe(201);
      };
      const streams: { id: string; secret: string; cursor_seq: number }[] = [];
      for (let index = 0; index < STREAMS; index++) {
        const hook = await new Receiver(() => ({ status: 204 })).start();
        receivers.push(hook);
        const created = await api("POST", "/v1/streams", {
          body: {
            name: `fresh ${index}`,
            destination: { type: "webhook", url: `${hook.url}/hook` },
            batching: { max_events: 10, linger_ms: 50 },
          },
        });
        expect(created.status).toBe(201);
        streams.push(created.json);
        await post(index);
      }
      // Several polls of the other process alone: before the fix it took every stream here.
      await new Promise((resolve) => setTimeout(resolve, config.pollMs * 8));
      const capable = worker(config);
      for (let round = STREAMS; round < STREAMS + 4; round++) await post(round);
      const rows = await ctx.store.query<{ seq: number }>(
        "SELECT seq FROM events WHERE project_id = $1 ORDER BY seq",
        [projectId],
      );
      const seqs = rows.map((row) => Number(row.seq));
      const last = seqs.at(-1) as number;
      await waitFor(
        async () => {
          const listed = await api("GET", "/v1/streams");
          const cursors = (listed.json.data as { cursor_seq: number }[]).map((s) => s.cursor_seq);
          return cursors.every((cursor) => cursor >= last) || undefined;
        },
        "every fresh stream to deliver every event",
        20_000,
      );
      for (const [index, stream] of streams.entries()) {
        const expected = seqs.filter((seq) => seq > stream.cursor_seq);
        expect(expected.length).toBeGreaterThan(0);
        expectDelivered(
          verifiedBatches((receivers[index] as Receiver).requests, stream.secret),
          expected,
        );
      }
      const owners = await leaseOwners(projectId);
      expect(owners.every((owner) => owner === capable.owner)).toBe(true);
      expect(owners).not.toContain(other.owner);
    }

    it("when a server process has no streams key, then it takes no lease and four fresh streams created while ingesting all deliver through the process that has it", async () => {
      const keyless = worker({ ...config, key: undefined });
      await deliverBeside(keyless);
    });

    it("when a server process has another streams key, then it releases the streams it cannot sign for, logs why, and the process with the right key delivers all four", async () => {
      const errors: string[] = [];
      const wrongKey = worker({ ...config, key: randomBytes(32) }, errors);
      await deliverBeside(wrongKey);
      expect(errors.some((message) => message.includes("CHRONICLE_STREAMS_KEY"))).toBe(true);
    });
  },
);
