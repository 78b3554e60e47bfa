import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  type Config,
  closeServer,
  createApp,
  type Logger,
  listen,
  loadConfig,
  migrate,
  openStore,
  type Store,
  urlOf,
} from "../../../packages/server/src/index.js";
import { createProject } from "../../../packages/server/src/services/index.js";

export type StoreKind = "pglite" | "postgres";

/** PGlite always; PostgreSQL too when DATABASE_URL is set (as CI does). */
export const STORE_KINDS: StoreKind[] = process.env.DATABASE_URL
  ? ["pglite", "postgres"]
  : ["pglite"];

/** A fresh, empty database: a PGlite directory or a PostgreSQL database of its own. */
export interface FreshDatabase {
  kind: StoreKind;
  /** Set for PostgreSQL. */
  databaseUrl: string | undefined;
  open(options?: { databaseUrl?: string }): Promise<Store>;
  drop(): Promise<void>;
}

export async function freshDatabase(kind: StoreKind): Promise<FreshDatabase> {
  if (kind === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), "chronicle-conformance-"));
    return {
      kind,
      databaseUrl: undefined,
      open: () => openStore({ dataDir: join(dir, "pglite") }),
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = process.env.DATABASE_URL as string;
  const name = `chronicle_conformance_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    kind,
    databaseUrl,
    open: (options = {}) =>
      openStore({ databaseUrl: options.databaseUrl ?? databaseUrl, poolSize: 4 }),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Collects what the server logs as errors, so that a test can demand there were none. */
export function collectingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const ignore = () => undefined;
  return {
    errors,
    debug: ignore,
    info: ignore,
    warn: ignore,
    error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields ?? {})}`),
  };
}

export interface RunningServer {
  base: string;
  close(): Promise<void>;
}

/** `createApp` over `store` on an ephemeral port, as the CLI would serve it. */
export async function serve(
  store: Store,
  logger: Logger,
  overrides: Partial<Config> = {},
): Promise<RunningServer> {
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    logLevel: "silent",
    rateLimitPerMinute: 100_000,
    heartbeatMs: 500,
    ...overrides,
  };
  const server: Server = await listen(createApp({ store, config, logger }), 0, "127.0.0.1");
  return { base: urlOf(server), close: () => closeServer(server) };
}

export async function migrated(database: FreshDatabase): Promise<Store> {
  const store = await database.open();
  await migrate(store);
  return store;
}

/** A project and its admin key, made the way `chronicle project create` makes them. */
export async function newProject(store: Store, name: string) {
  const { project, adminKey } = await createProject(store, { name });
  return { projectId: project.id, key: adminKey.key };
}
