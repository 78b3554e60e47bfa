import {
  issueEvent,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, ingestEvents, listEvents } from "../../src/services/index.js";
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
