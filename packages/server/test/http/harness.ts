import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Config, loadConfig } from "../../src/config.js";
import { createApp } from "../../src/http/app.js";
import { closeServer, listen, urlOf } from "../../src/http/listen.js";
import { createProject } from "../../src/services/index.js";
import { migrate, openStore, type Store } from "../../src/store/index.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { checkResponse } from "./conformance.js";

export type StoreKind = "pglite" | "postgres";

/** PGlite always; PostgreSQL too when DATABASE_URL is set (as .ci/run does). */
export const STORE_KINDS: StoreKind[] = process.env.DATABASE_URL
  ? ["pglite", "postgres"]
  : ["pglite"];

export interface TestDatabase {
  kind: StoreKind;
  /**
   * Opens a new store on the same database (a second replica, for PostgreSQL); `databaseUrl`
   * reaches the same database another way (through a proxy that can cut connections).
   */
  open(options?: { databaseUrl?: string }): Promise<Store>;
  drop(): Promise<void>;
  databaseUrl: string | undefined;
  dataDir: string;
}

/** A fresh, empty database of the given kind, dropped afterwards. */
export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), "chronicle-http-"));
  if (kind === "pglite") {
    return {
      kind,
      dataDir,
      databaseUrl: undefined,
      open: () => openStore({ dataDir: join(dataDir, "pglite") }),
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const adminUrl = process.env.DATABASE_URL as string;
  const name = `chronicle_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    kind,
    dataDir,
    databaseUrl,
    open: (options = {}) =>
      openStore({ databaseUrl: options.databaseUrl ?? databaseUrl, poolSize: 5 }),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestServer {
  base: string;
  store: Store;
  config: Config;
  close(): Promise<void>;
}

/** The app on an ephemeral port over `store`, as the CLI would serve it. */
export async function startServer(
  store: Store,
  overrides: Partial<Config> = {},
): Promise<TestServer> {
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    logLevel: "silent",
    rateLimitPerMinute: 100_000,
    heartbeatMs: 1000,
    ...overrides,
  };
  const app = createApp({ store, config, logger: createLogger(config.logLevel) });
  const server: Server = await listen(app, 0, "127.0.0.1");
  return { base: urlOf(server), store, config, close: () => closeServer(server) };
}

export interface TestContext {
  db: TestDatabase;
  store: Store;
  server: TestServer;
  close(): Promise<void>;
}

export async function setUp(
  kind: StoreKind,
  overrides: Partial<Config> = {},
): Promise<TestContext> {
  const db = await createTestDatabase(kind);
  const store = await db.open();
  await migrate(store);
  const server = await startServer(store, overrides);
  return {
    db,
    store,
    server,
    close: async () => {
      await server.close();
      await store.close();
      await db.drop();
    },
  };
}

export async function newProject(store: Store, name = "Test project") {
  const { project, adminKey } = await createProject(store, { name });
  return { projectId: project.id, key: adminKey.key };
}

/** A tiny fetch wrapper: JSON in, parsed JSON out, headers kept; every answer is checked against the contract. */
export function client(base: string, key?: string) {
  return async (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers };
    if (key) headers.Authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["Content-Type"] ??= "application/json";
    }
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    checkResponse(
      method,
      `${base}${path}`,
      response.status,
      response.headers.get("content-type"),
      json,
    );
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected freely
    return { status: response.status, headers: response.headers, json: json as any, text };
  };
}

export function event(overrides: Record<string, unknown> = {}) {
  return {
    action: "issue.created",
    actor: { type: "user", id: "usr_1", name: "Ada", email: "ada@example.com" },
    target: { type: "issue", id: "ISS-1", name: "First issue" },
    workspace_id: "ws_acme",
    summary: "Ada opened ISS-1",
    metadata: { priority: "high" },
    ...overrides,
  };
}
