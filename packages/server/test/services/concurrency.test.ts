import {
  issueEvent,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiKey,
  ingestEvents,
  listEvents,
  requestProjectDeletion,
  revokeApiKey,
} from "../../src/services/index.js";
import type { Store } from "../../src/store/index.js";

const WRITERS = 8;
const EVENTS_PER_WRITER = 50;

describe.each(STORE_KINDS)("concurrent writers on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when keys are created at once, then each change is recorded and none waits on another's lock", async () => {
    // Each creation inserts a row referencing the project (KEY SHARE on it) and then appends
    // its api_key.created event under the project's lock: the two locks must not deadlock.
    const { projectId } = await newProject(t.store);
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        createApiKey(
          t.store,
          projectId,
          { name: `key ${i}`, scopes: ["activity:read"] },
          { recordAs: { type: "api_key", id: "key_admin" } },
        ),
      ),
    );
    expect(new Set(created.map((key) => key.id)).size).toBe(6);
    const page = await listEvents(t.store, projectId, { action: ["api_key.created"] }, {});
    expect(page.data.map((event) => event.target?.id).sort()).toEqual(
      created.map((key) => key.id).sort(),
    );
  });

  it.runIf(kind === "postgres")(
    "when a key is revoked while its project's deletion waits on the project, then neither deadlocks",
    async () => {
      // The deletion locks the project, then revokes the keys; a key's revocation locks the
      // key, then records under the project's lock. Queued in that order behind an append
      // holding the project, they must not wait on each other.
      const { projectId } = await newProject(t.store, "Doomed");
      const key = await createApiKey(t.store, projectId, { name: "k", scopes: ["activity:read"] });
      const waiting = async (count: number) => {
        for (;;) {
          const [row] = await t.store.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          if ((row?.n ?? 0) >= count) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const holding = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const append = t.store.transaction(async (tx) => {
        await tx.query("SELECT 1 FROM projects WHERE project_id = $1 FOR NO KEY UPDATE", [
          projectId,
        ]);
        locked();
        await held;
      });
      await holding;
      const admin = { type: "api_key" as const, id: "key_admin" };
      const deletion = requestProjectDeletion(t.store, projectId, "Doomed", {
        requestedBy: admin,
      });
      await waiting(1);
      const revocation = revokeApiKey(t.store, projectId, key.id, { recordAs: admin });

      await waiting(2);
      release();
      const [deleted, revoked] = await Promise.allSettled([deletion, revocation]);
      await append;

      expect(deleted.status === "rejected" ? String(deleted.reason) : "ok").toBe("ok");
      expect(revoked.status === "rejected" ? String(revoked.reason) : "ok").toBe("ok");
    },
  );

  it("when 8 writers record 50 events each while a poller follows the asc cursor, then seq is gap-free and the poller sees each event once", async () => {
    const { projectId } = await newProject(t.store);
    // On PostgreSQL half the writers go through a second pool: another "replica".
    const second: Store = kind === "postgres" ? await t.reopen() : t.store;
    let writing = true;
    const seen: string[] = [];
    const seenSeqs: number[] = [];

    const poll = async () => {
      let cursor: string | undefined;
      for (let round = 0; ; round++) {
        const done = !writing;
        // Alternating stores: a cursor made by one replica is accepted by the other.
        const reader = round % 2 === 0 ? t.store : second;
        const page = await listEvents(reader, projectId, {}, { order: "asc", limit: 37, cursor });
        for (const event of page.data) {
          seen.push(event.id);
          seenSeqs.push(event.seq);
        }
        cursor = page.next_cursor ?? cursor;
        if (done && page.data.length === 0) return;
      }
    };

    const write = async (writer: number) => {
      const store = writer % 2 === 0 ? t.store : second;
      for (let i = 0; i < EVENTS_PER_WRITER; i++) {
        // A mix of single events and small batches.
        const size = i % 5 === 0 ? 3 : 1;
        const batch = Array.from({ length: size }, (_, j) =>
          issueEvent(i, { metadata: { writer, i, j } }),
        );
        await ingestEvents(store, projectId, batch);
      }
    };

    const poller = poll();
    await Promise.all(Array.from({ length: WRITERS }, (_, writer) => write(writer)));
    writing = false;
    await poller;

    const expected = WRITERS * (EVENTS_PER_WRITER + (EVENTS_PER_WRITER / 5) * 2);
    const all = await listEvents(t.store, projectId, {}, { order: "asc", limit: 200 });
    let rows = all.data;
    let cursor = all.next_cursor;
    while (rows.length < expected) {
      const page = await listEvents(
        t.store,
        projectId,
        {},
        {
          order: "asc",
          limit: 200,
          cursor: cursor as string,
        },
      );
      if (page.data.length === 0) break;
      rows = [...rows, ...page.data];
      cursor = page.next_cursor;
    }
    expect(rows.map((event) => event.seq)).toEqual(
      Array.from({ length: expected }, (_, i) => i + 1),
    );
    for (const [index, event] of rows.entries()) {
      if (index > 0) expect(event.prev_hash).toBe(rows[index - 1]?.hash);
    }
    expect(seen).toHaveLength(expected);
    expect(new Set(seen).size).toBe(expected);
    expect(seenSeqs).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
  });
});
