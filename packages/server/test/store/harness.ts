import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openStore, type Store } from "../../src/store/index.js";

/** A store to test against: a fresh PGlite directory, or a fresh PostgreSQL database. */
export interface TestStore {
  store: Store;
  /** Opens another connection to the same database (PostgreSQL: a second "replica"). */
  reopen(): Promise<Store>;
  dispose(): Promise<void>;
}

export type StoreKind = "pglite" | "postgres";

/** PGlite always; PostgreSQL too when DATABASE_URL is set. */
export const STORE_KINDS: StoreKind[] = process.env.DATABASE_URL
  ? ["pglite", "postgres"]
  : ["pglite"];

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === "pglite") {
    const dataDir = mkdtempSync(join(tmpdir(), "chronicle-test-"));
    const store = await openStore({ dataDir });
    await migrate(store);
    return {
      store,
      reopen: () => Promise.reject(new Error("PGlite is single-process")),
      async dispose() {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = process.env.DATABASE_URL as string;
  const database = `chronicle_test_${randomBytes(6).toString("hex")}`;
  const admin = await openStore({ databaseUrl: adminUrl, poolSize: 1 });
  await admin.query(`CREATE DATABASE ${database}`);
  const url = withDatabase(adminUrl, database);
  const store = await openStore({ databaseUrl: url, poolSize: 12 });
  await migrate(store);
  const others: Store[] = [];
  return {
    store,
    async reopen() {
      const other = await openStore({ databaseUrl: url, poolSize: 4 });
      others.push(other);
      return other;
    },
    async dispose() {
      for (const other of others) await other.close();
      await store.close();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.close();
    },
  };
}
