import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  createTestDatabase,
  Receiver,
  type TestDatabase,
  testStreamsConfig,
  waitFor,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, ingestEvents } from "../../src/services/index.js";
import {
  createStream,
  createStreamsContext,
  StreamWorker,
} from "../../src/services/streams/index.js";
import { migrate, type Store } from "../../src/store/index.js";
import { expectDelivered, verifiedBatches } from "./checks.js";

const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));

/** Replicas and process death need several processes on one database: PostgreSQL only. */
describe.skipIf(!process.env.DATABASE_URL)(
  "log streams across replicas (postgres)",
  { timeout: 120_000 },
  () => {
    let db: TestDatabase;
    let store: Store;
    const key = randomBytes(32);
    const config = testStreamsConfig({ key, leaseMs: 2000 });

    beforeAll(async () => {
      db = await createTestDatabase("postgres");
      store = await db.open();
      await migrate(store);
    }, 180_000);
    afterAll(async () => {
      await store.close();
      await db.drop();
    }, 180_000);

    async function seqsOf(projectId: string, afterSeq: number) {
      const rows = await store.query<{ seq: number }>(
        "SELECT seq FROM events WHERE project_id = $1 AND seq > $2 ORDER BY seq",
        [projectId, afterSeq],
      );
      return rows.map((row) => Number(row.seq));
    }

    async function record(projectId: string, count: number) {
      const events = Array.from({ length: count }, (_, i) => ({
        action: "issue.updated",
        actor: { type: "user" as const, id: "usr_1" },
        target: { type: "issue", id: `ISS-${i}` },
      }));
      await ingestEvents(store, projectId, events);
    }

    async function cursorReaches(projectId: string, streamId: string, seq: number) {
      await waitFor(
        async () => {
          const [row] = await store.query<{ cursor_seq: number }>(
            "SELECT cursor_seq FROM streams WHERE project_id = $1 AND stream_id = $2",
            [projectId, streamId],
          );
          return Number(row?.cursor_seq) >= seq || undefined;
        },
        `stream ${streamId} to reach seq ${seq}`,
        60_000,
      );
    }

    it("when two replicas deliver four streams and one stops midway, then each stream is delivered by one process at a time, in order, nothing lost", async () => {
      const { project } = await createProject(store, { name: "Replicas" });
      const storeB = await db.open();
      const replicaA = new StreamWorker(createStreamsContext(store, config));
      const replicaB = new StreamWorker(createStreamsContext(storeB, config));
      const receivers = await Promise.all(
        Array.from({ length: 4 }, () => new Receiver(() => ({ status: 200, delayMs: 15 })).start()),
      );
      const streams = [];
      for (const [index, receiver] of receivers.entries()) {
        streams.push(
          await createStream(createStreamsContext(store, config), project.id, {
            name: `stream ${index}`,
            destination: { type: "webhook", url: receiver.url },
            batching: { max_events: 5, linger_ms: 0 },
          }),
        );
      }
      const startSeq = Math.min(...streams.map((stream) => stream.cursor_seq));
      const owners = new Set<string>();
      const watch = setInterval(() => {
        store
          .query<{ lease_owner: string | null }>(
            "SELECT lease_owner FROM streams WHERE project_id = $1",
            [project.id],
          )
          .then(
            (rows) => {
              for (const row of rows) if (row.lease_owner) owners.add(row.lease_owner);
            },
            () => undefined,
          );
      }, 50);
      replicaA.start();
      replicaB.start();
      await waitFor(
        () => (owners.has(replicaA.owner) && owners.has(replicaB.owner) ? true : undefined),
        "both replicas to hold leases",
      );
      for (let round = 0; round < 6; round++) {
        await record(project.id, 20);
        if (round === 2) await replicaA.stop();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const last = (await seqsOf(project.id, 0)).at(-1) as number;
      for (const stream of streams) await cursorReaches(project.id, stream.id, last);
      clearInterval(watch);
      await replicaB.stop();
      await storeB.close();
      expect(owners).toEqual(new Set([replicaA.owner, replicaB.owner]));
      for (const [index, receiver] of receivers.entries()) {
        const stream = streams[index];
        if (!stream?.secret) throw new Error("webhook streams have a secret");
        expect(receiver.maxInFlight).toBe(1);
        expectDelivered(
          verifiedBatches(receiver.requests, stream.secret),
          await seqsOf(project.id, stream.cursor_seq),
        );
        await receiver.close();
      }
      expect(startSeq).toBeGreaterThanOrEqual(0);
    });

    it("when the delivering server process is killed with SIGKILL mid-delivery, then another replica takes the lease over and nothing is lost; resends keep their webhook-id", async () => {
      const { project } = await createProject(store, { name: "Killed" });
      let inFlightWhenKilled = 0;
      const receiver = await new Receiver(() => ({ status: 200, delayMs: 300 })).start();
      const stream = await createStream(createStreamsContext(store, config), project.id, {
        name: "killed",
        destination: { type: "webhook", url: receiver.url },
        batching: { max_events: 3, linger_ms: 0 },
      });
      await record(project.id, 30);
      const child: ChildProcess = spawn(
        process.execPath,
        ["--import", "tsx", "packages/server/src/cli.ts", "serve"],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            DATABASE_URL: db.databaseUrl,
            PORT: "0",
            LOG_LEVEL: "silent",
            CHRONICLE_STREAMS_KEY: key.toString("base64"),
            CHRONICLE_STREAMS_ALLOW_PRIVATE_NETWORKS: "true",
            CHRONICLE_STREAMS_POLL_MS: "50",
            CHRONICLE_STREAMS_LEASE_MS: "2000",
          },
          stdio: "ignore",
        },
      );
      try {
        await waitFor(
          () => (receiver.requests.length >= 3 ? true : undefined),
          "the process to deliver",
          60_000,
        );
        await waitFor(() => (receiver.inFlightNow > 0 ? true : undefined), "a delivery in flight");
        inFlightWhenKilled = receiver.inFlightNow;
        child.kill("SIGKILL");
        await new Promise((resolve) => child.once("exit", resolve));
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      expect(inFlightWhenKilled).toBe(1);
      const [held] = await store.query<{ lease_owner: string | null; pending_id: string | null }>(
        "SELECT lease_owner, pending_id FROM streams WHERE stream_id = $1",
        [stream.id],
      );
      expect(held?.lease_owner).toContain(":");
      expect(held?.pending_id).not.toBeNull();
      await record(project.id, 10);
      const survivor = new StreamWorker(createStreamsContext(store, config));
      survivor.start();
      const last = (await seqsOf(project.id, 0)).at(-1) as number;
      await cursorReaches(project.id, stream.id, last);
      await survivor.stop();
      const batches = verifiedBatches(receiver.requests, stream.secret as string);
      expectDelivered(batches, await seqsOf(project.id, stream.cursor_seq));
      // The batch cut off by the kill came again under its webhook-id.
      const ids = batches.map((batch) => batch.id);
      expect(new Set(ids).size).toBeLessThan(ids.length);
      await receiver.close();
    });
  },
);
