import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import {
  type Config,
  closeServer,
  createApp,
  type Logger,
  listen,
  loadConfig,
  migrate,
  type Store,
  urlOf,
} from "../../../packages/server/src/index.js";
import { createProject } from "../../../packages/server/src/services/index.js";
import {
  createTestDatabase,
  type TestDatabase,
} from "../../../packages/server/test/http/harness.js";

export { STORE_KINDS, type StoreKind } from "../../../packages/server/test/http/harness.js";

/** A fresh, empty database: a PGlite directory or a PostgreSQL database of its own. */
export type FreshDatabase = TestDatabase;
export const freshDatabase = createTestDatabase;

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
    // Every operation is asked without a valid key: the failed-auth throttle must not answer.
    abuse: { ...loadConfig({}).abuse, authFailuresPerMinute: 100_000 },
    // Log streams: a key of this run's own; test events go to a closed local port.
    streams: {
      ...loadConfig({}).streams,
      key: randomBytes(32),
      allowPrivateNetworks: true,
      timeoutMs: 2000,
    },
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
