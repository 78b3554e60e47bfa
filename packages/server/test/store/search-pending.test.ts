import { randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
  type AppRoleStore,
  issueEvents,
  newProject,
  openAppRoleStore,
  openTestStore,
  STORE_KINDS,
  searchIndexOptions,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mergeSearchIndexBesideAppends,
  type SearchMergeMessage,
  searchMergeChannel,
} from "../../src/services/events/search-merge.js";
import { ingestEvents, listEvents } from "../../src/services/index.js";
import { createEventPartitions } from "../../src/store/event-partitions.js";
import {
  mergeSearchPending,
  mergeSearchPendingWithin,
  searchMergeTargets,
} from "../../src/store/search-pending.js";
import type { Queryable, Store } from "../../src/store/types.js";

const quietLogger = { info: () => undefined, warn: () => undefined };

/** `count` events, one append, whose summaries hold a word no other event has; the word. */
async function appendWithWord(store: Store, projectId: string, count = 5): Promise<string> {
  const word = `okapi${randomBytes(6).toString("hex")}`;
  await ingestEvents(
    store,
    projectId,
    issueEvents(count, (n) => ({ summary: `Ada filed the ${word} report number ${n}` })),
  );
  return word;
}

/** A merge of the partitions appends write to now, as the server's merger makes it. */
async function mergeNow(db: Queryable): Promise<number | "bounded" | null> {
  return mergeSearchPending(db, await searchMergeTargets(db));
}

async function searchCount(store: Store, projectId: string, word: string): Promise<number> {
  return (await listEvents(store, projectId, { search: word }, { limit: 50 })).data.length;
}

/** The search index of the partition a project's events are in: its oid, name and table. */
async function partitionSearchIndex(
  db: Queryable,
  projectId: string,
): Promise<{ oid: string; index: string; table: string }> {
  const [row] = await db.query<{ oid: string | number; index: string; table: string }>(
    `SELECT x.indexrelid::oid AS oid, x.indexrelid::regclass::text AS index,
            x.indrelid::regclass::text AS table
     FROM pg_index AS x
     JOIN pg_inherits AS i ON i.inhrelid = x.indexrelid
     WHERE i.inhparent = 'events_search'::regclass
       AND x.indrelid = (SELECT tableoid FROM events WHERE project_id = $1 LIMIT 1)`,
    [projectId],
  );
  if (!row) throw new Error(`no events of ${projectId} in a partition`);
  return { oid: String(row.oid), index: row.index, table: row.table };
}

/**
 * The search index's pending list is merged by `chronicle_merge_search_pending` (migration
 * 0030), which the server runs beside its appends so that no append merges it while the
 * project's later appends wait for it to commit (bench/FINDINGS.md B44).
 */
describe.each(STORE_KINDS)("merging the search index's pending list (%s)", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when events were appended, then a merge moves their pending entries, the next finds none, and searches find the same events", async () => {
    const { projectId } = await newProject(t.store);
    await mergeNow(t.store);
    const word = await appendWithWord(t.store, projectId);
    expect(await searchCount(t.store, projectId, word)).toBe(5);

    expect(await mergeNow(t.store)).toBeGreaterThan(0);
    expect(await mergeNow(t.store)).toBe(0);
    expect(await searchCount(t.store, projectId, word)).toBe(5);
    expect(await searchCount(t.store, projectId, `${word}x`)).toBe(0);
  });

  it("when the merge is given indexes, then it merges only the partitions of the search index among them, and the targets hold the partition appends write to", async () => {
    const { projectId } = await newProject(t.store);
    await mergeNow(t.store);
    await appendWithWord(t.store, projectId);
    const written = (await partitionSearchIndex(t.store, projectId)).oid;
    expect(await searchMergeTargets(t.store)).toContain(written);
    const [other] = await t.store.query<{ index: string | number }>(
      "SELECT 'events_target_keys'::regclass::oid AS index",
    );
    expect(await mergeSearchPending(t.store, [String(other?.index)])).toBe(0);
    expect(await mergeSearchPending(t.store, [])).toBe(0);
    expect(await mergeSearchPending(t.store, [written])).toBeGreaterThan(0);
  });
});

describe.each(STORE_KINDS)("the search index's pending list limit (%s)", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the schema is migrated and partitions are added, then every partition's search index keeps up to 1 MB pending", async () => {
    // Migration 0032; a single-event append merged the 256 kB list every ~50 ms (B57, B58).
    const created = await createEventPartitions(
      t.store,
      "month",
      new Date("2031-01-01T00:00:00Z"),
      new Date("2031-03-01T00:00:00Z"),
    );
    expect(created).toBeGreaterThan(0);
    const options = await searchIndexOptions(t.store);
    expect(Object.keys(options)).toEqual(
      expect.arrayContaining(["events_default", "events_p2031_01", "events_p2031_02"]),
    );
    for (const partitionOptions of Object.values(options)) {
      expect(partitionOptions).toEqual(["gin_pending_list_limit=1024"]);
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)(
  "merging the search index's pending list beside appends (postgres)",
  () => {
    let t: TestStore;
    let appRole: AppRoleStore | undefined;
    /** The server's credentials under least privilege (docs/security.md), made on first use. */
    const asAppRole = async () => {
      appRole ??= await openAppRoleStore(t.store);
      return appRole;
    };
    beforeAll(async () => {
      t = await openTestStore("postgres");
    });
    afterAll(async () => {
      await appRole?.close();
      await t?.dispose();
    });

    it("when a merge is under way in another session, then a merge returns null at once instead of waiting", async () => {
      const { projectId } = await newProject(t.store);
      await appendWithWord(t.store, projectId);
      const targets = await searchMergeTargets(t.store);
      await t.store.transaction(async (tx) => {
        expect(await mergeSearchPending(tx, targets)).toBeGreaterThan(0);
        expect(await mergeSearchPending(t.store, targets)).toBeNull();
      });
    });

    it("when a partition that takes no appends is locked (a retention detach), then a merge of the current ones neither waits for it nor locks it", async () => {
      const { projectId } = await newProject(t.store);
      await appendWithWord(t.store, projectId);
      const targets = await searchMergeTargets(t.store);
      const [far] = await t.store.query<{ name: string; index: string | number }>(
        `SELECT p.name, x.indexrelid::oid AS index
         FROM chronicle_event_partitions() AS p
         JOIN pg_index AS x ON x.indrelid = to_regclass(quote_ident(p.name))
         JOIN pg_inherits AS i ON i.inhrelid = x.indexrelid AND i.inhparent = 'events_search'::regclass
         ORDER BY p.lower_bound DESC LIMIT 1`,
      );
      expect(far).toBeDefined();
      expect(targets).not.toContain(String(far?.index));
      await t.store.transaction(async (tx) => {
        await tx.query(`LOCK TABLE ${far?.name} IN ACCESS EXCLUSIVE MODE`);
        const merged = await Promise.race([
          mergeSearchPending(t.store, targets),
          new Promise((resolve) => setTimeout(resolve, 3_000, "waited")),
        ]);
        expect(merged).toBeGreaterThan(0);
      });
    });

    it("when the server runs as the app role, then it merges through the function but cannot merge an index itself", async () => {
      const app = await asAppRole();
      const { projectId } = await newProject(t.store);
      await appendWithWord(t.store, projectId);
      expect(await mergeNow(app.store)).toBeGreaterThan(0);
      const [leaf] = await t.store.query<{ name: string }>(
        `SELECT i.inhrelid::regclass::text AS name FROM pg_inherits AS i
         WHERE i.inhparent = 'events_search'::regclass LIMIT 1`,
      );
      await expect(
        app.store.query("SELECT gin_clean_pending_list($1::regclass)", [leaf?.name]),
      ).rejects.toThrow(/must be owner/);
    });

    it("when the merger runs, then a batch's pending entries are merged without anyone asking, appends of a few events start no merge, and it stops", async () => {
      const { projectId } = await newProject(t.store);
      await mergeNow(t.store);
      const merged: number[] = [];
      const onMerge = (message: unknown) => {
        const { store, pages } = message as SearchMergeMessage;
        if (store === t.store) merged.push(pages);
      };
      subscribe(searchMergeChannel.name, onMerge);
      const stop = mergeSearchIndexBesideAppends(t.store, quietLogger);
      try {
        await appendWithWord(t.store, projectId, 5);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(merged).toEqual([]);
        const word = await appendWithWord(t.store, projectId, 100);
        await expect.poll(() => merged.length, { timeout: 5_000 }).toBeGreaterThan(0);
        await expect.poll(() => mergeNow(t.store), { timeout: 5_000 }).toBe(0);
        expect(await searchCount(t.store, projectId, word)).toBe(50);
      } finally {
        await stop();
        unsubscribe(searchMergeChannel.name, onMerge);
      }
      // Stopped: batches no longer start merges, so their entries stay pending.
      const mergesBefore = merged.length;
      await appendWithWord(t.store, projectId, 100);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(merged.length).toBe(mergesBefore);
      expect(await mergeNow(t.store)).toBeGreaterThan(0);
    });

    it("when the app role may not merge (a grant from before migration 0030), then the merger warns once and appends go on", async () => {
      const app = await asAppRole();
      const { projectId } = await newProject(t.store);
      const revoke = `REVOKE EXECUTE ON FUNCTION chronicle_merge_search_pending(regclass[]) FROM ${app.role}`;
      await t.store.query(revoke);
      const warnings: string[] = [];
      const stop = mergeSearchIndexBesideAppends(app.store, {
        info: () => undefined,
        warn: (message, fields) => warnings.push(`${message} ${String(fields?.error)}`),
      });
      try {
        const first = await appendWithWord(app.store, projectId, 100);
        await expect.poll(() => warnings.length, { timeout: 5_000 }).toBe(1);
        expect(warnings[0]).toMatch(/permission denied/);
        const second = await appendWithWord(app.store, projectId, 100);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(warnings).toHaveLength(1);
        expect(await searchCount(app.store, projectId, first)).toBe(50);
        expect(await searchCount(app.store, projectId, second)).toBe(50);
      } finally {
        await stop();
        await t.store.query(revoke.replace("REVOKE", "GRANT").replace(" FROM ", " TO "));
      }
    });

    it("when a merge runs past its bound, then it answers bounded, searches lose nothing, and the next merge empties the list", async () => {
      // Migration 0034: unbounded beside sustained appends, a merge grew the index by every
      // pending page written while it ran (B59). Last of its database: its 30,000 rows
      // start autovacuum once it is back on, which merges the pending lists other tests count.
      const { projectId } = await newProject(t.store);
      await mergeNow(t.store);
      // The list is let grow past its 1 MB (no insert merges it), so that a merge takes long.
      await ingestEvents(t.store, projectId, issueEvents(1));
      const { index, table } = await partitionSearchIndex(t.store, projectId);
      await t.store.query("CREATE EXTENSION IF NOT EXISTS pgstattuple");
      // Autovacuum, which these rows would start, would merge it too: off meanwhile.
      await t.store.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
      await t.store.query(`ALTER INDEX ${index} SET (gin_pending_list_limit = 65536)`);
      try {
        let word = "";
        // ~6,000 pages: a merge of a few hundred ms.
        for (let n = 0; n < 30; n++) {
          word = await appendWithWord(t.store, projectId, 1000);
        }
        const pendingPages = async () =>
          Number(
            (
              await t.store.query<{ pages: number }>(
                "SELECT pending_pages AS pages FROM pgstatginindex($1::regclass)",
                [index],
              )
            )[0]?.pages,
          );
        const before = await pendingPages();
        expect(before).toBeGreaterThan(3000);
        const targets = await searchMergeTargets(t.store);
        expect(await mergeSearchPendingWithin(t.store, targets, 50)).toBe("bounded");
        expect(await searchCount(t.store, projectId, word)).toBe(50);
        expect(await mergeSearchPendingWithin(t.store, targets, 20_000)).toBeGreaterThan(0);
        expect(await pendingPages()).toBe(0);
        expect(await searchCount(t.store, projectId, word)).toBe(50);
      } finally {
        await t.store.query(`ALTER INDEX ${index} SET (gin_pending_list_limit = 1024)`);
        await t.store.query(`ALTER TABLE ${table} RESET (autovacuum_enabled)`);
      }
    });
  },
);
