import { createHash } from "node:crypto";
import { cp, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminUrl, onConnection, withDatabase } from "./postgres.js";
import { MIGRATIONS, migrate, openStore } from "./server-source.js";

/**
 * Migrated databases to copy from. Migrating takes most of the time of making a test
 * database (seconds on PGlite); copying a migrated one takes a fraction of that. A template
 * is named after a digest of the migrations (and of PGlite's version), so a changed
 * migration makes a new one, and runs that share a cluster or a temp directory share it.
 */
function digest(): string {
  const hash = createHash("sha256");
  for (const migration of MIGRATIONS) hash.update(`${migration.version}\0${migration.sql}\0`);
  try {
    const require = createRequire(import.meta.url);
    hash.update(require.resolve("@electric-sql/pglite"));
  } catch {
    // PGlite's location is only a cache key
  }
  return hash.digest("hex").slice(0, 16);
}

const DIGEST = digest();

/** Serialises template builds of concurrent test processes (advisory locks are per database). */
const TEMPLATE_LOCK = 4_242_101;

let postgresTemplate: Promise<string> | undefined;

/** The name of a migrated template database on the `DATABASE_URL` cluster, built once. */
export function migratedPostgresTemplate(): Promise<string> {
  postgresTemplate ??= buildPostgresTemplate();
  return postgresTemplate;
}

async function buildPostgresTemplate(): Promise<string> {
  const admin = adminUrl();
  const name = `chronicle_template_${DIGEST}`;
  await onConnection(admin, async (client) => {
    await client.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (found.rowCount) return;
      // Built under another name and renamed when complete: a name that exists is whole.
      const building = `${name}_building`;
      await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${building}`);
      const store = await openStore({ databaseUrl: withDatabase(admin, building), poolSize: 1 });
      try {
        await migrate(store);
      } finally {
        await store.close();
      }
      await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
    }
  });
  return name;
}

let pgliteTemplate: Promise<string> | undefined;

/** A migrated PGlite data directory to copy, built once per machine and migration set. */
export function migratedPgliteTemplate(): Promise<string> {
  pgliteTemplate ??= buildPgliteTemplate();
  return pgliteTemplate;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function buildPgliteTemplate(): Promise<string> {
  const path = join(tmpdir(), `chronicle-pglite-template-${DIGEST}`);
  if (await exists(path)) return path;
  const building = await mkdtemp(join(tmpdir(), "chronicle-pglite-template-building-"));
  const store = await openStore({ dataDir: building });
  try {
    await migrate(store);
  } finally {
    await store.close();
  }
  // The rename is atomic: the first complete build wins, a later one is thrown away.
  await rename(building, path).catch(() => rm(building, { recursive: true, force: true }));
  return path;
}

/** A copy of the migrated PGlite template at `dataDir`. */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
  await cp(await migratedPgliteTemplate(), dataDir, {
    recursive: true,
    filter: (source) => !source.endsWith("chronicle.lock"),
  });
}
