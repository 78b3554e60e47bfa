import { issueEvent, newProject, openTestStore, type TestStore } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEvents } from "../../src/services/index.js";
import type { Queryable } from "../../src/store/types.js";

describe.skipIf(!process.env.DATABASE_URL)("the append's idempotency key lookup", () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore("postgres");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a project holds thousands of live keys, then an append finds its key through the primary key, not by reading the table", async () => {
    const { store } = t;
    const { projectId } = await newProject(store);
    await ingestEvents(store, projectId, [issueEvent(1)], {
      idempotencyKey: "key-used",
      requestHash: "fingerprint",
    });
    await store.query(
      `INSERT INTO idempotency_keys (project_id, key, request_hash)
       SELECT $1, 'key-' || g, 'fingerprint' FROM generate_series(1, 5000) AS g`,
      [projectId],
    );
    await store.query("ANALYZE idempotency_keys");
    const scans = await store.transaction(async (tx) => {
      const [head] = await tx.query<{ last_seq: string; last_hash: string }>(
        "SELECT last_seq, last_hash FROM projects WHERE project_id = $1",
        [projectId],
      );
      // The key is live, so the append answers from its first lookup, before any write.
      const [append] = await tx.query<{ status: string; used_keys: string[] }>(
        `SELECT status, used_keys FROM chronicle_append($1, $2, $3, now(), '[{}]'::jsonb,
           '[{"key": "key-used"}]'::jsonb, NULL, '{}', '{}', '{}', '{}', '{}', '{}', false)`,
        [projectId, head?.last_seq, head?.last_hash],
      );
      expect(append).toEqual({ status: "keys_used", used_keys: ["key-used"] });
      const [counts] = await tx.query<{ seq_scan: string; idx_scan: string }>(
        `SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables
         WHERE relid = 'idempotency_keys'::regclass`,
      );
      return { seq: Number(counts?.seq_scan), index: Number(counts?.idx_scan) };
    });
    expect(scans.seq).toBe(0);
    expect(scans.index).toBeGreaterThanOrEqual(1);
  });
});

/**
 * How the key table can stand when a session first plans the lookup: never vacuumed (a new
 * database), or vacuumed while empty (the bench's seeding, a restore followed by VACUUM
 * ANALYZE), which PostgreSQL then takes at its word for the table's size.
 */
const STARTS = [
  { name: "a new database", prepare: async (_store: Queryable) => undefined },
  {
    name: "a key table vacuumed while empty",
    prepare: async (store: Queryable) => {
      await store.query("VACUUM ANALYZE idempotency_keys");
    },
  },
];

describe.skipIf(!process.env.DATABASE_URL).each(STARTS)(
  "the append's key lookup on $name",
  ({ prepare }) => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore("postgres");
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("when the lookup was first planned while the project had one key, then with thousands an append still fetches only its own", async () => {
      // PL/pgSQL keeps a statement's plan for the session; one made for a nearly empty table
      // read the project's keys by project_id alone and tested each (B58, migration 0033),
      // or the whole table when it was vacuumed empty (B60, migration 0035).
      await prepare(t.store);
      const { projectId } = await newProject(t.store);
      await t.store.query(
        "INSERT INTO idempotency_keys (project_id, key, request_hash) VALUES ($1, 'key-used', 'f')",
        [projectId],
      );
      const fetched = await t.store.transaction(async (tx) => {
        const [head] = await tx.query<{ last_seq: string; last_hash: string }>(
          "SELECT last_seq, last_hash FROM projects WHERE project_id = $1",
          [projectId],
        );
        const append = async () => {
          const [row] = await tx.query<{ status: string }>(
            `SELECT status FROM chronicle_append($1, $2, $3, now(), '[{}]'::jsonb,
             '[{"key": "key-used"}]'::jsonb, NULL, '{}', '{}', '{}', '{}', '{}', '{}', false)`,
            [projectId, head?.last_seq, head?.last_hash],
          );
          expect(row?.status).toBe("keys_used");
        };
        const rowsFetched = async () => {
          const [counts] = await tx.query<{ fetched: string }>(
            `SELECT idx_tup_fetch + seq_tup_read AS fetched FROM pg_stat_xact_user_tables
           WHERE relid = 'idempotency_keys'::regclass`,
          );
          return Number(counts?.fetched);
        };
        // Past the five calls after which a session may keep one plan for every call.
        for (let call = 0; call < 8; call++) await append();
        await tx.query(
          `INSERT INTO idempotency_keys (project_id, key, request_hash)
         SELECT $1, 'key-' || g, 'f' FROM generate_series(1, 20000) AS g`,
          [projectId],
        );
        // Moved behind them, so that a read of the table in its order reaches it last.
        await tx.query("DELETE FROM idempotency_keys WHERE project_id = $1 AND key = 'key-used'", [
          projectId,
        ]);
        await tx.query(
          "INSERT INTO idempotency_keys (project_id, key, request_hash) VALUES ($1, 'key-used', 'f')",
          [projectId],
        );
        const before = await rowsFetched();
        await append();
        return (await rowsFetched()) - before;
      });
      expect(fetched).toBeLessThan(10);
    });
  },
);
