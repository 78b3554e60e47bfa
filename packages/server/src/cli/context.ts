import { type Config, ConfigError, loadConfig } from "../config.js";
import { migrate, openStore, type Store, StoreLockedError } from "../store/index.js";
import { createLogger, type Logger } from "../telemetry/logger.js";
import { CliFailure, describeDatabase, probeDatabase, UsageError } from "./errors.js";
import { createProgress } from "./progress.js";

/** The options every command has (`chronicle --verbose serve`, or after the command). */
export interface GlobalOptions {
  verbose?: boolean;
  logLevel?: string;
  logFormat?: string;
}

/** Options a command may set that override the environment. */
export interface ConfigOptions extends GlobalOptions {
  port?: string;
  host?: string;
  metricsPort?: string;
  databaseUrl?: string;
  dataDir?: string;
}

/** The configuration: the environment, with the command's flags on top. */
export function configFrom(options: ConfigOptions): Config {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) env[name] = value;
  };
  set("PORT", options.port);
  set("HOST", options.host);
  set("CHRONICLE_METRICS_PORT", options.metricsPort);
  set("DATABASE_URL", options.databaseUrl);
  set("CHRONICLE_DATA_DIR", options.dataDir);
  set("LOG_LEVEL", options.logLevel);
  set("LOG_FORMAT", options.logFormat);
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The server's logger. A server (`serve`, `start`) logs to stdout as services do; a one-shot
 * command logs to stderr, so that its stdout is only its result.
 */
export function loggerFor(config: Config, to: "stdout" | "stderr"): Logger {
  const format = config.observability.logFormat;
  return createLogger(config.logLevel, {
    ...(format ? { format } : {}),
    ...(to === "stderr" ? { destination: process.stderr } : {}),
  });
}

/**
 * Opens the store; a database that cannot be used is one line naming where and why.
 * `statementTimeoutMs` overrides the configured bound (0: none, for migrations).
 */
export async function openStoreFor(config: Config, statementTimeoutMs?: number): Promise<Store> {
  const { poolSize, readPoolSize, readTimeoutMs, ...timeouts } = config.database;
  try {
    return await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize,
      reads: { poolSize: readPoolSize, timeoutMs: readTimeoutMs },
      timeouts: { ...timeouts, ...(statementTimeoutMs !== undefined && { statementTimeoutMs }) },
    });
  } catch (error) {
    if (error instanceof StoreLockedError) throw new CliFailure(error.message, 1, { cause: error });
    if (config.databaseUrl) {
      const cause = (await probeDatabase(config.databaseUrl)) ?? (error as Error).message;
      throw new CliFailure(
        `cannot use PostgreSQL at ${describeDatabase(config.databaseUrl)}: ${cause}`,
        1,
        { cause: error },
      );
    }
    throw new CliFailure(
      `cannot open the embedded database in ${config.dataDir}: ${(error as Error).message}`,
      1,
      { cause: error },
    );
  }
}

/**
 * Brings the schema up to date, with progress when there is work. On PostgreSQL it runs on
 * a store of its own without a statement bound: a migration may build indexes over large tables.
 */
export async function migrateWithProgress(config: Config, store?: Store): Promise<number[]> {
  const own = !store || config.databaseUrl ? await openStoreFor(config, 0) : undefined;
  const target = own ?? (store as Store);
  const progress = createProgress("migrating");
  try {
    const applied = await migrate(target, {
      onProgress: (done, total) => {
        progress.total(total);
        progress.update(done);
      },
    });
    progress.stop(applied.length > 0 ? `applied ${applied.length} migration(s)` : undefined);
    return applied;
  } finally {
    await own?.close();
  }
}

/** Opens the store with its schema up to date. */
export async function openMigratedStore(config: Config): Promise<Store> {
  if (config.databaseUrl) {
    await migrateWithProgress(config);
    return openStoreFor(config);
  }
  // PGlite allows one open store per directory: migrate through the store that is kept.
  const store = await openStoreFor(config);
  try {
    await migrateWithProgress(config, store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
