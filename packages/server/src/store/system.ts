import type { Queryable } from "./types.js";

/** The database's clock_timestamp() (not the transaction's start). */
export async function selectClockTimestamp(db: Queryable): Promise<Date | string | undefined> {
  const [row] = await db.query<{ now: Date | string }>("SELECT clock_timestamp() AS now");
  return row?.now;
}

/** One round trip that touches no table. */
export async function ping(db: Queryable): Promise<void> {
  await db.query("SELECT 1");
}

/** The newest migration applied; throws when schema_migrations does not exist. */
export async function selectAppliedMigration(db: Queryable): Promise<number> {
  const [row] = await db.query<{ version: number | null }>(
    "SELECT max(version) AS version FROM schema_migrations",
  );
  return Number(row?.version ?? 0);
}
