import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresDatabase, POSTGRES_URL } from "./postgres.js";
import { migrate, openStore, type Store } from "./server-source.js";
import { copyPgliteTemplate, migratedPostgresTemplate } from "./templates.js";

export type StoreKind = "pglite" | "postgres";

/** PGlite always; PostgreSQL too when DATABASE_URL is set (as CI does). */
export const STORE_KINDS: StoreKind[] = POSTGRES_URL ? ["pglite", "postgres"] : ["pglite"];

export interface OpenOptions {
  /** Reaches the same database another way (through a proxy that can cut connections). */
  databaseUrl?: string;
  /** PostgreSQL pool size (default 5). */
  poolSize?: number;
  /** PostgreSQL read pool (default 4 connections, the server's read budget). */
  reads?: { poolSize?: number; timeoutMs?: number };
}

/** A database of a test file's own: a PGlite directory or a PostgreSQL database. */
export interface TestDatabase {
  kind: StoreKind;
  /** Opens a new store on the database (for PostgreSQL, another replica). */
  open(options?: OpenOptions): Promise<Store>;
  drop(): Promise<void>;
  databaseUrl: string | undefined;
  /** A temporary directory of the database's own (PGlite keeps its files in `pglite/`). */
  dataDir: string;
}

export interface CreateDatabaseOptions {
  /** Start from the current schema (a copy of a migrated template) instead of empty. */
  migrated?: boolean;
  /** Names a PostgreSQL database after its case, so a leftover one says where it came from. */
  label?: string;
}

/** A fresh database of the given kind, empty or migrated; `drop()` removes it. */
export async function createTestDatabase(
  kind: StoreKind,
  options: CreateDatabaseOptions = {},
): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), "chronicle-test-"));
  if (kind === "pglite") {
    const pgliteDir = join(dataDir, "pglite");
    if (options.migrated) await copyPgliteTemplate(pgliteDir);
    return {
      kind,
      dataDir,
      databaseUrl: undefined,
      open: () => openStore({ dataDir: pgliteDir }),
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const template = options.migrated ? await migratedPostgresTemplate() : undefined;
  const database = await createPostgresDatabase(
    options.label ?? "test",
    template ? { template } : {},
  );
  return {
    kind,
    dataDir,
    databaseUrl: database.url,
    open: (open = {}) =>
      openStore({
        databaseUrl: open.databaseUrl ?? database.url,
        poolSize: open.poolSize ?? 5,
        reads: { poolSize: 4, ...open.reads },
      }),
    drop: async () => {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A migrated store on a fresh database, with more connections to it on demand. */
export interface TestStore {
  store: Store;
  /** Opens another connection to the same database (PostgreSQL: a second "replica"). */
  reopen(): Promise<Store>;
  dispose(): Promise<void>;
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  const database = await createTestDatabase(kind, { migrated: true });
  const store = await database.open({ poolSize: 12 });
  await migrate(store);
  const others: Store[] = [];
  return {
    store,
    async reopen() {
      if (kind === "pglite") throw new Error("PGlite is single-process");
      const other = await database.open({ poolSize: 4 });
      others.push(other);
      return other;
    },
    async dispose() {
      for (const other of others) await other.close();
      await store.close();
      await database.drop();
    },
  };
}
