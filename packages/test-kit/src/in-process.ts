import type { Server } from "node:http";
import { createTestDatabase, type StoreKind, type TestDatabase } from "./database.js";
import { newProject } from "./fixtures.js";
import { type Client, client } from "./http-client.js";
import {
  type Config,
  closeServer,
  createApp,
  createLogger,
  type Logger,
  listen,
  loadConfig,
  type Store,
  urlOf,
} from "./server-source.js";

/** The server's configuration for tests: an ephemeral port, no logs, no rate limit in the way. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    port: 0,
    logLevel: "silent",
    rateLimitPerMinute: 100_000,
    heartbeatMs: 1000,
    ...overrides,
  };
}

export interface TestServer {
  base: string;
  /** The listening node:http server (to drop its connections, say). */
  http: Server;
  store: Store;
  config: Config;
  close(): Promise<void>;
}

/** The app in this process on an ephemeral port over `store`, as the CLI would serve it. */
export async function startServer(
  store: Store,
  overrides: Partial<Config> = {},
  options: { logger?: Logger } = {},
): Promise<TestServer> {
  const config = testConfig(overrides);
  const logger = options.logger ?? createLogger(config.logLevel);
  const server: Server = await listen(createApp({ store, config, logger }), 0, "127.0.0.1");
  return { base: urlOf(server), http: server, store, config, close: () => closeServer(server) };
}

export interface TestContext {
  db: TestDatabase;
  store: Store;
  server: TestServer;
  close(): Promise<void>;
}

/** A migrated database of the file's own, a store on it and the server in this process. */
export async function setUp(
  kind: StoreKind,
  overrides: Partial<Config> = {},
): Promise<TestContext> {
  const db = await createTestDatabase(kind, { migrated: true });
  const store = await db.open();
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

/**
 * `setUp` with a project of its own (named `name`) holding `events` (sent in one batch), and
 * a client with its admin key.
 */
export async function setUpWithProject(
  kind: StoreKind,
  options: { name?: string; events?: unknown[] } = {},
): Promise<{ ctx: TestContext; projectId: string; key: string; api: Client }> {
  const ctx = await setUp(kind);
  const { projectId, key } = await newProject(ctx.store, options.name);
  const api = client(ctx.server.base, key);
  if (options.events) {
    const sent = await api("POST", "/v1/events/batch", { body: { events: options.events } });
    if (sent.status !== 201) throw new Error(`the test events were not stored: ${sent.status}`);
  }
  return { ctx, projectId, key, api };
}
