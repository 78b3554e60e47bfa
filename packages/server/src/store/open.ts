import { resolve } from "node:path";
import { openPgliteStore } from "./pglite-store.js";
import { openPostgresStore } from "./postgres-store.js";
import type { Store, StoreOptions } from "./types.js";

export { StoreLockedError } from "./lock-file.js";

/** PostgreSQL when a databaseUrl is given, else PGlite in dataDir (default ./.chronicle). */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  if (options.databaseUrl) {
    return openPostgresStore(
      options.databaseUrl,
      options.poolSize,
      options.timeouts,
      options.reads,
    );
  }
  return openPgliteStore(resolve(options.dataDir ?? "./.chronicle"));
}
