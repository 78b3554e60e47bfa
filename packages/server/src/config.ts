import { resolve } from "node:path";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Everything the server reads from its environment, parsed once. */
export interface Config {
  port: number;
  host: string;
  /** PostgreSQL connection string; when absent the embedded PGlite store is used. */
  databaseUrl: string | undefined;
  /** Where PGlite keeps its files and where `chronicle start` keeps the demo key. */
  dataDir: string;
  rateLimitPerMinute: number;
  purgeIntervalMs: number;
  heartbeatMs: number;
  logLevel: LogLevel;
  /** Bounds on every wait for PostgreSQL (docs/reliability.md). */
  database: DatabaseConfig;
}

export interface DatabaseConfig {
  /** CHRONICLE_DB_POOL_SIZE, default 10. */
  poolSize: number;
  /** CHRONICLE_DB_CONNECT_TIMEOUT_MS, default 5000: open a connection or get one from the pool. */
  connectTimeoutMs: number;
  /** CHRONICLE_DB_STATEMENT_TIMEOUT_MS, default 20000: one statement. */
  statementTimeoutMs: number;
  /** CHRONICLE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS, default 60000. */
  idleInTransactionTimeoutMs: number;
}

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

export class ConfigError extends Error {
  override name = "ConfigError";
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

function logLevel(env: NodeJS.ProcessEnv): LogLevel {
  const raw = (env.LOG_LEVEL ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
  }
  return raw as LogLevel;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined || env.PORT === "" ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${env.PORT}"`);
  }
  return {
    port,
    host: env.HOST && env.HOST.trim() !== "" ? env.HOST : "127.0.0.1",
    databaseUrl: env.DATABASE_URL && env.DATABASE_URL.trim() !== "" ? env.DATABASE_URL : undefined,
    dataDir: resolve(env.CHRONICLE_DATA_DIR ?? "./.chronicle"),
    rateLimitPerMinute: positiveInteger(env, "CHRONICLE_RATE_LIMIT_PER_MINUTE", 600),
    purgeIntervalMs: positiveInteger(env, "CHRONICLE_PURGE_INTERVAL_MS", 60 * 60 * 1000),
    heartbeatMs: positiveInteger(env, "CHRONICLE_HEARTBEAT_MS", 15_000),
    logLevel: logLevel(env),
    database: {
      poolSize: positiveInteger(env, "CHRONICLE_DB_POOL_SIZE", 10),
      connectTimeoutMs: positiveInteger(env, "CHRONICLE_DB_CONNECT_TIMEOUT_MS", 5_000),
      statementTimeoutMs: positiveInteger(env, "CHRONICLE_DB_STATEMENT_TIMEOUT_MS", 20_000),
      idleInTransactionTimeoutMs: positiveInteger(
        env,
        "CHRONICLE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
        60_000,
      ),
    },
  };
}
