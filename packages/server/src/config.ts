import { resolve } from "node:path";
import { ConfigError } from "./config-error.js";
import { type IntegrityConfig, integrityConfig } from "./integrity-config.js";

export { ConfigError };

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
  /** The highest rate limit a key may be given (CHRONICLE_MAX_KEY_RATE_LIMIT_PER_MINUTE). */
  maxKeyRateLimitPerMinute: number;
  purgeIntervalMs: number;
  /** The events table's partitions and how retention removes rows (docs/scaling.md). */
  storage: StorageConfig;
  heartbeatMs: number;
  logLevel: LogLevel;
  /** Checkpoint key and token secrets; absent, a process uses ephemeral ones. */
  integrity?: IntegrityConfig;
  /** Bounds on every wait for PostgreSQL (docs/reliability.md). */
  database: DatabaseConfig;
  abuse: AbuseLimitsConfig;
  streams: StreamsConfig;
  observability: ObservabilityConfig;
  /** Project deletion and maintenance (docs/guides/operations.md); defaults when absent. */
  projects?: ProjectsConfig;
  /** Appends forwarded to their project's owning replica (docs/scaling.md); off when absent. */
  replicas?: ReplicasConfig;
}

/** CHRONICLE_REPLICA_URL and CHRONICLE_REPLICA_SECRET, set together on every replica. */
export interface ReplicasConfig {
  /** This replica's base URL as the other replicas reach it. */
  url: string;
  /** The secret all replicas share (at least 32 characters). */
  secret: string;
}

export interface ProjectsConfig {
  /** Days a deleted project can be restored before its rows are removed (default 7). */
  deletionGraceDays: number;
  /** How often distinct counts catch up and due deletions run (default one minute). */
  maintenanceIntervalMs: number;
}

/** Events partitions and retention (docs/scaling.md, docs/guides/retention.md). */
export interface StorageConfig {
  partitions: {
    /** Receipt times one partition holds (CHRONICLE_EVENT_PARTITION_WIDTH; default month). */
    width: "day" | "week" | "month";
    /** Partitions kept ahead of the current one (CHRONICLE_EVENT_PARTITIONS_AHEAD; default 3). */
    ahead: number;
    /** `auto` lets pg_partman manage them where installed (CHRONICLE_EVENT_PARTITION_MANAGER). */
    manager: "auto" | "builtin";
  };
  /** `partition` (default) or `event` (CHRONICLE_RETENTION_GRANULARITY). */
  retentionGranularity: "partition" | "event";
}

/** Logs, metrics and traces (docs/guides/operations.md). */
export interface ObservabilityConfig {
  /** `pretty` for people, `json` for collectors; default pretty on a terminal, else json. */
  logFormat: "json" | "pretty" | undefined;
  /** Collect Prometheus metrics at all (CHRONICLE_METRICS=off turns them off). */
  metrics: boolean;
  /** Serve Prometheus metrics on their own port (CHRONICLE_METRICS_PORT). */
  metricsPort: number | undefined;
  metricsHost: string;
  /** Serve `/metrics` on the API port to `Authorization: Bearer <token>` (CHRONICLE_METRICS_TOKEN). */
  metricsToken: string | undefined;
  /** OTLP/HTTP collector base URL; traces are exported only when it is set. */
  otlpEndpoint: string | undefined;
  serviceName: string;
  /** Share of new traces recorded, 0–1 (OTEL_TRACES_SAMPLER_ARG; default 1). */
  traceSampleRatio: number;
}

/** Log streams (docs/guides/streams.md): delivery worker and destination safety. */
export interface StreamsConfig {
  /** AES-256-GCM key for destination credentials (CHRONICLE_STREAMS_KEY, 32 bytes base64). */
  key: Buffer | undefined;
  /** Allow destinations on loopback, private, link-local addresses and plain http (dev, tests). */
  allowPrivateNetworks: boolean;
  pollMs: number;
  leaseMs: number;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A stream failing continuously this long pauses itself (default 24 h). */
  pauseAfterMs: number;
  /** Log streams one project may have (`409 stream_limit_reached` past it). */
  maxPerProject: number;
}

/** Credentials in use and abuse limits (docs/guides/rate-limits.md). */
export interface AbuseLimitsConfig {
  /** Failed authentications per client address per minute before `429` (shared by replicas). */
  authFailuresPerMinute: number;
  /** Open tails + exports per credential, per replica. */
  maxStreamsPerCredential: number;
  /** CHRONICLE_READS_PER_PROJECT, default 3: one project's event reads at once, per replica. */
  readsPerProject: number;
  /** CHRONICLE_READ_WAIT_MS, default 5000: a read's longest wait for its turn (`too_many_reads`). */
  readWaitMs: number;
  /** How often open streams' credentials are re-checked (ms); revocation ends them within it. */
  credentialCheckMs: number;
  /** Express `trust proxy`: which proxies' `X-Forwarded-For` names the client address. */
  trustProxy: boolean | number | string;
}

function trustProxy(env: NodeJS.ProcessEnv): boolean | number | string {
  const raw = env.CHRONICLE_TRUST_PROXY?.trim();
  if (!raw || raw === "false") return false;
  if (raw === "true") return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
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
  /** CHRONICLE_DB_READ_POOL_SIZE, default 8: connections of tenants' event reads. */
  readPoolSize: number;
  /** CHRONICLE_DB_READ_TIMEOUT_MS, default 10000: one read statement (`query_too_expensive`). */
  readTimeoutMs: number;
}

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

/** 0 is a value here: a deletion grace period of 0 days removes the project at the next run. */
function nonNegativeInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
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
    maxKeyRateLimitPerMinute: positiveInteger(
      env,
      "CHRONICLE_MAX_KEY_RATE_LIMIT_PER_MINUTE",
      6_000,
    ),
    purgeIntervalMs: positiveInteger(env, "CHRONICLE_PURGE_INTERVAL_MS", 60 * 60 * 1000),
    projects: {
      deletionGraceDays: nonNegativeInteger(env, "CHRONICLE_DELETION_GRACE_DAYS", 7),
      maintenanceIntervalMs: positiveInteger(
        env,
        "CHRONICLE_PROJECT_MAINTENANCE_INTERVAL_MS",
        60_000,
      ),
    },
    storage: storageConfig(env),
    heartbeatMs: positiveInteger(env, "CHRONICLE_HEARTBEAT_MS", 15_000),
    logLevel: logLevel(env),
    integrity: integrityConfig(env),
    database: {
      poolSize: positiveInteger(env, "CHRONICLE_DB_POOL_SIZE", 10),
      connectTimeoutMs: positiveInteger(env, "CHRONICLE_DB_CONNECT_TIMEOUT_MS", 5_000),
      statementTimeoutMs: positiveInteger(env, "CHRONICLE_DB_STATEMENT_TIMEOUT_MS", 20_000),
      idleInTransactionTimeoutMs: positiveInteger(
        env,
        "CHRONICLE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
        60_000,
      ),
      readPoolSize: positiveInteger(env, "CHRONICLE_DB_READ_POOL_SIZE", 8),
      readTimeoutMs: positiveInteger(env, "CHRONICLE_DB_READ_TIMEOUT_MS", 10_000),
    },
    abuse: {
      authFailuresPerMinute: positiveInteger(env, "CHRONICLE_AUTH_FAILURES_PER_MINUTE", 60),
      maxStreamsPerCredential: positiveInteger(env, "CHRONICLE_MAX_STREAMS_PER_CREDENTIAL", 10),
      readsPerProject: positiveInteger(env, "CHRONICLE_READS_PER_PROJECT", 3),
      readWaitMs: positiveInteger(env, "CHRONICLE_READ_WAIT_MS", 5_000),
      credentialCheckMs: positiveInteger(env, "CHRONICLE_CREDENTIAL_CHECK_MS", 2_000),
      trustProxy: trustProxy(env),
    },
    streams: streamsConfig(env),
    observability: observabilityConfig(env),
    ...replicasConfig(env),
  };
}

const MIN_REPLICA_SECRET_LENGTH = 32;

function replicasConfig(env: NodeJS.ProcessEnv): { replicas?: ReplicasConfig } {
  const rawUrl = env.CHRONICLE_REPLICA_URL?.trim();
  const secret = env.CHRONICLE_REPLICA_SECRET?.trim();
  if (!rawUrl && !secret) return {};
  if (!rawUrl || !secret) {
    throw new ConfigError(
      "CHRONICLE_REPLICA_URL and CHRONICLE_REPLICA_SECRET go together: set both, or neither",
    );
  }
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigError(`CHRONICLE_REPLICA_URL must be an http(s) URL, got "${rawUrl}"`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/") {
    throw new ConfigError(
      `CHRONICLE_REPLICA_URL must be an http(s) URL without a path, got "${rawUrl}"`,
    );
  }
  if (secret.length < MIN_REPLICA_SECRET_LENGTH) {
    throw new ConfigError(
      `CHRONICLE_REPLICA_SECRET must be at least ${MIN_REPLICA_SECRET_LENGTH} characters`,
    );
  }
  return { replicas: { url: url.origin, secret } };
}

function sampleRatio(env: NodeJS.ProcessEnv): number {
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (!raw) return 1;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${raw}"`);
  }
  return ratio;
}

function observabilityConfig(env: NodeJS.ProcessEnv): ObservabilityConfig {
  const format = env.LOG_FORMAT?.trim().toLowerCase();
  if (format && format !== "json" && format !== "pretty") {
    throw new ConfigError(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`);
  }
  const rawPort = env.CHRONICLE_METRICS_PORT?.trim();
  const metricsPort = rawPort ? Number(rawPort) : undefined;
  if (
    metricsPort !== undefined &&
    (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)
  ) {
    throw new ConfigError(
      `CHRONICLE_METRICS_PORT must be an integer between 0 and 65535, got "${rawPort}"`,
    );
  }
  const otlp =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return {
    logFormat: format ? (format as "json" | "pretty") : undefined,
    metrics: !["off", "false", "0"].includes(env.CHRONICLE_METRICS?.trim().toLowerCase() ?? ""),
    metricsPort,
    metricsHost: env.CHRONICLE_METRICS_HOST?.trim() || env.HOST?.trim() || "127.0.0.1",
    metricsToken: env.CHRONICLE_METRICS_TOKEN?.trim() || undefined,
    otlpEndpoint: otlp || undefined,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || "chronicle",
    traceSampleRatio: sampleRatio(env),
  };
}

function streamsKey(env: NodeJS.ProcessEnv): Buffer | undefined {
  const raw = env.CHRONICLE_STREAMS_KEY?.trim();
  if (!raw) return undefined;
  const key = Buffer.from(raw, /^[0-9a-f]{64}$/i.test(raw) ? "hex" : "base64");
  if (key.length !== 32) {
    throw new ConfigError("CHRONICLE_STREAMS_KEY must be 32 bytes, base64 or hex");
  }
  return key;
}

function oneOf<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  values: readonly T[],
  fallback: T,
): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${values.join(", ")}, got "${env[name]}"`);
  }
  return raw as T;
}

function storageConfig(env: NodeJS.ProcessEnv): StorageConfig {
  return {
    partitions: {
      width: oneOf(env, "CHRONICLE_EVENT_PARTITION_WIDTH", ["day", "week", "month"], "month"),
      ahead: positiveInteger(env, "CHRONICLE_EVENT_PARTITIONS_AHEAD", 3),
      manager: oneOf(env, "CHRONICLE_EVENT_PARTITION_MANAGER", ["auto", "builtin"], "auto"),
    },
    retentionGranularity: oneOf(
      env,
      "CHRONICLE_RETENTION_GRANULARITY",
      ["partition", "event"],
      "partition",
    ),
  };
}

function streamsConfig(env: NodeJS.ProcessEnv): StreamsConfig {
  return {
    key: streamsKey(env),
    allowPrivateNetworks: env.CHRONICLE_STREAMS_ALLOW_PRIVATE_NETWORKS === "true",
    pollMs: positiveInteger(env, "CHRONICLE_STREAMS_POLL_MS", 250),
    leaseMs: positiveInteger(env, "CHRONICLE_STREAMS_LEASE_MS", 30_000),
    timeoutMs: positiveInteger(env, "CHRONICLE_STREAMS_TIMEOUT_MS", 10_000),
    retryBaseMs: positiveInteger(env, "CHRONICLE_STREAMS_RETRY_BASE_MS", 1000),
    retryMaxMs: positiveInteger(env, "CHRONICLE_STREAMS_RETRY_MAX_MS", 5 * 60 * 1000),
    pauseAfterMs: positiveInteger(env, "CHRONICLE_STREAMS_PAUSE_AFTER_MS", 24 * 60 * 60 * 1000),
    maxPerProject: positiveInteger(env, "CHRONICLE_STREAMS_MAX_PER_PROJECT", 50),
  };
}
