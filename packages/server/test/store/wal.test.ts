import { openTestStore, POSTGRES_URL, type TestStore } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flushWal } from "../../src/store/wal.js";

/** Compares two LSNs (`X/Y`, hexadecimal) through PostgreSQL itself. */
async function lsnAtLeast(t: TestStore, lsn: string, than: string): Promise<boolean> {
  const [row] = await t.store.query<{ ok: boolean }>("SELECT $1::pg_lsn >= $2::pg_lsn AS ok", [
    lsn,
    than,
  ]);
  return row?.ok === true;
}

describe.skipIf(!POSTGRES_URL)("the WAL flush appends wait for (PostgreSQL)", () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore("postgres");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a transaction commits without waiting for its flush, then flushWal returns only once the WAL is on disk past its commit", async () => {
    for (let round = 0; round < 5; round++) {
      await t.store.transaction(async (tx) => {
        await tx.query("SET LOCAL synchronous_commit TO off");
        await tx.query("INSERT INTO settings (name, value) VALUES ($1, 'x')", [`wal_${round}`]);
      });
      // Past the commit record (which the commit did not wait to flush).
      const [inserted] = await t.store.query<{ lsn: string }>(
        "SELECT pg_current_wal_insert_lsn() AS lsn",
      );
      const committedAt = inserted?.lsn as string;
      await flushWal(t.store);
      const [flushed] = await t.store.query<{ lsn: string }>(
        "SELECT pg_current_wal_flush_lsn() AS lsn",
      );
      expect(await lsnAtLeast(t, flushed?.lsn as string, committedAt)).toBe(true);
    }
  });
});
