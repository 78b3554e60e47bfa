import pg from "pg";
import { ServiceError } from "../domain/errors.js";
import { preparedName } from "./prepared.js";
import { isStatementTimeout, queryTooExpensive } from "./read-budget.js";
import {
  type DatabaseTimeouts,
  DEFAULT_DATABASE_TIMEOUTS,
  DEFAULT_READ_POOL,
  type PoolStats,
  type Queryable,
  type ReadPoolOptions,
  type Row,
  type Store,
} from "./types.js";
import { isDatabaseUnavailable, translateDatabaseError } from "./unavailable.js";

const INT8_OID = 20;
const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;
/** The client stops waiting for an answer this long after the server's own statement_timeout. */
const READ_TIMEOUT_MARGIN_MS = 1_000;
/** Between attempts to re-open a lost LISTEN connection. */
const RELISTEN_DELAY_MS = 1_000;

const typeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * Every connection waits a bounded time: to connect, for the server to finish a statement
 * (statement_timeout), for a silent server (query_timeout, e.g. a network partition where
 * no reset ever arrives) and for an abandoned transaction. 0 turns a statement bound off.
 */
function clientConfig(connectionString: string, timeouts: DatabaseTimeouts): pg.ClientConfig {
  const statementBound = timeouts.statementTimeoutMs > 0;
  return {
    connectionString,
    types: typeParsers,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    ...(statementBound && {
      statement_timeout: timeouts.statementTimeoutMs,
      query_timeout: timeouts.statementTimeoutMs + READ_TIMEOUT_MARGIN_MS,
    }),
    idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    // Every statement is a short indexed read or write; JIT never pays for itself here, and a
    // plan priced from a partitioned parent without statistics (autovacuum never analyzes
    // one) crossed jit_above_cost and compiled for 1-4 s per execution (bench/FINDINGS.md B32).
    // `options` replaces libpq's PGOPTIONS in node-postgres: the operator's settings follow,
    // so they still apply and win over this default (the bench's index-free baseline uses them).
    options: ["-c jit=off", process.env.PGOPTIONS].filter(Boolean).join(" "),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/** `readBudgetMs`: statements over it are a read that cost too much, not an outage. */
function queryable(client: pg.Pool | pg.PoolClient, readBudgetMs?: number): Queryable {
  return {
    async query<R = Row>(sql: string, params: readonly unknown[] = []) {
      const startedAt = performance.now();
      try {
        const name = preparedName(sql);
        const values = params as unknown[];
        const result = await (name
          ? client.query({ name, text: sql, values })
          : client.query(sql, values));
        // The rows are handed over and the result lets go of them and of its field list.
        // node-postgres's result object stays referenced from old-generation objects that are
        // dead but not yet collected, which a scavenge counts as live: what it still held was
        // copied by each scavenge and then promoted, 40 % of what a page allocated and a
        // 7–9 ms pause every ~25 pages (bench/FINDINGS.md B53). Let go, they die young.
        const rows = result.rows as R[];
        result.rows = [];
        result.fields = [];
        return rows;
      } catch (error) {
        if (
          readBudgetMs !== undefined &&
          isStatementTimeout(error, performance.now() - startedAt, readBudgetMs)
        ) {
          throw queryTooExpensive(readBudgetMs);
        }
        throw translateDatabaseError(error);
      }
    },
  };
}

/** A connection checked out of a pool, and whether it failed while out. */
interface CheckedOut {
  readonly client: pg.PoolClient;
  readonly lost: boolean;
  /** Back to the pool; closed instead when it failed or `destroy` says so. */
  release(destroy: boolean): void;
}

async function checkOut(pool: pg.Pool): Promise<CheckedOut> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translateDatabaseError(error);
  }
  // pg-pool listens for errors on idle clients only; one checked out needs its own, or a
  // backend terminated between two statements would be an unhandled 'error' event. The
  // statement in flight (or the next one) fails on its own.
  const checked = {
    client,
    lost: false,
    release(destroy: boolean) {
      client.off("error", onError);
      client.release(destroy || checked.lost);
    },
  };
  const onError = () => {
    checked.lost = true;
  };
  client.on("error", onError);
  return checked;
}

/**
 * Asks PostgreSQL to cancel the statement `client` is running, as libpq's PQcancel does: a
 * CancelRequest with the session's secret key on a connection of its own. No pooled
 * connection is taken for it, the key names only that session, and a pooler in between
 * (PgBouncer) routes it to the right server backend, which a backend pid would not.
 * node-postgres's Client#cancel sends the same message but first reads the deprecated
 * `activeQuery` (a warning on the process's stderr; gone in pg 9), so its connection step
 * is repeated here. The caller aborts only while a statement runs; a cancel that reaches
 * an idle session is ignored by PostgreSQL, and the connection is not reused after it.
 */
function cancelRunning(config: pg.ClientConfig, client: pg.PoolClient): void {
  const session = client as unknown as { processID: number; secretKey: number };
  const canceller = new pg.Client(config) as unknown as {
    host: string;
    port: number;
    connection: {
      on(event: string, listener: () => void): void;
      once(event: string, listener: () => void): void;
      connect(portOrPath: number | string, host?: string): void;
      cancel(processID: number, secretKey: number): void;
    };
  };
  const connection = canceller.connection;
  connection.on("error", () => undefined);
  connection.once("connect", () => connection.cancel(session.processID, session.secretKey));
  if (canceller.host?.startsWith("/")) {
    connection.connect(`${canceller.host}/.s.PGSQL.${canceller.port}`);
  } else {
    connection.connect(canceller.port, canceller.host);
  }
}

/**
 * Each statement on a connection of its own from `pool`. When `signal` aborts while one
 * runs (the request's client went away), the statement is cancelled in the database
 * instead of running to the read budget for nobody, and fails with the signal's reason.
 * The connection is then closed rather than reused, as is one whose statement failed for
 * any reason but the budget (a read timeout on a silent connection leaves it unusable).
 */
function abortableQueryable(
  pool: pg.Pool,
  config: pg.ClientConfig,
  readBudgetMs: number,
  signal: AbortSignal,
): Queryable {
  return {
    async query<R = Row>(sql: string, params: readonly unknown[] = []) {
      signal.throwIfAborted();
      const checked = await checkOut(pool);
      // Aborted while a connection was found: nothing ran on it.
      if (signal.aborted) {
        checked.release(false);
        throw signal.reason;
      }
      let cancelled = false;
      const onAbort = () => {
        cancelled = true;
        cancelRunning(config, checked.client);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      let healthy = true;
      try {
        return await queryable(checked.client, readBudgetMs).query<R>(sql, params);
      } catch (error) {
        healthy = error instanceof ServiceError && error.code === "query_too_expensive";
        throw signal.aborted ? signal.reason : error;
      } finally {
        signal.removeEventListener("abort", onAbort);
        checked.release(cancelled || !healthy);
      }
    },
  };
}

interface Subscription {
  onPayload: (payload: string) => void;
  onReconnect: (() => void) | undefined;
}

/** One dedicated LISTEN connection, re-opened (and re-subscribed) whenever it is lost. */
class Listener {
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  readonly #subscriptions = new Map<string, Set<Subscription>>();
  #closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    if (!this.#connecting) {
      this.#connecting = (async () => {
        // LISTEN waits for notifications indefinitely: no read timeout on this connection.
        const client = new pg.Client({ ...this.config, query_timeout: undefined });
        client.on("notification", (message) => {
          for (const subscription of this.#subscriptions.get(message.channel) ?? []) {
            subscription.onPayload(message.payload ?? "");
          }
        });
        client.on("error", () => this.#lost(client));
        client.on("end", () => this.#lost(client));
        try {
          await client.connect();
          for (const channel of this.#subscriptions.keys()) await client.query(`LISTEN ${channel}`);
        } catch (error) {
          client.removeAllListeners();
          client.on("error", () => undefined);
          await client.end().catch(() => undefined);
          throw translateDatabaseError(error);
        }
        this.#client = client;
        return client;
      })().finally(() => {
        this.#connecting = null;
      });
    }
    return this.#connecting;
  }

  /** Reconnects after a lost connection, re-subscribing to every channel. */
  #lost(client: pg.Client) {
    if (this.#client !== client) return;
    this.#client = null;
    client.removeAllListeners();
    client.on("error", () => undefined);
    client.end().catch(() => undefined);
    const retry = () => {
      if (this.#closed || this.#subscriptions.size === 0) return;
      this.#connect().then(
        () => {
          for (const subscriptions of this.#subscriptions.values()) {
            for (const subscription of subscriptions) subscription.onReconnect?.();
          }
        },
        () => setTimeout(retry, RELISTEN_DELAY_MS).unref(),
      );
    };
    setTimeout(retry, 100).unref();
  }

  async listen(
    channel: string,
    onPayload: (payload: string) => void,
    onReconnect: (() => void) | undefined,
  ) {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`Invalid channel name: ${channel}`);
    let subscriptions = this.#subscriptions.get(channel);
    const isNew = !subscriptions;
    if (!subscriptions) {
      subscriptions = new Set();
      this.#subscriptions.set(channel, subscriptions);
    }
    const subscription: Subscription = { onPayload, onReconnect };
    subscriptions.add(subscription);
    const unsubscribe = async () => {
      subscriptions.delete(subscription);
      if (subscriptions.size > 0 || this.#subscriptions.get(channel) !== subscriptions) return;
      this.#subscriptions.delete(channel);
      await this.#client?.query(`UNLISTEN ${channel}`).catch(() => undefined);
    };
    try {
      const wasConnected = this.#client !== null;
      const client = await this.#connect();
      if (isNew && wasConnected) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await unsubscribe();
      throw translateDatabaseError(error);
    }
    return unsubscribe;
  }

  async close() {
    this.#closed = true;
    this.#subscriptions.clear();
    const client = this.#client ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#client = null;
    if (client) {
      client.removeAllListeners();
      client.on("error", () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * PostgreSQL through a pg Pool; LISTEN on one dedicated connection. No database error ends
 * the process: idle and checked-out connections both have their `error` handled, and a
 * lost connection is answered `unavailable` (503) and replaced by the pool on the next use.
 */
export async function openPostgresStore(
  connectionString: string,
  poolSize = 10,
  timeouts: Partial<DatabaseTimeouts> = {},
  reads: Partial<ReadPoolOptions> = {},
): Promise<Store> {
  const bounds = { ...DEFAULT_DATABASE_TIMEOUTS, ...timeouts };
  const config = clientConfig(connectionString, bounds);
  // A fixed-size pool: a connection, once opened, stays open (min = max), since a new one
  // pays ~13 ms planning its first events query while the relation cache of every partition
  // and index loads (bench/FINDINGS.md B21), and a closed one gives back its prepared
  // statements. Idle connections do not keep the process alive.
  const pool = new pg.Pool({ ...config, max: poolSize, min: poolSize, allowExitOnIdle: true });
  // An idle client's error (server restart, terminated backend): the pool drops it.
  pool.on("error", () => undefined);
  const listener = new Listener(config);
  const poolQueryable = queryable(pool);
  try {
    await poolQueryable.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  // Tenants' event reads: a pool of their own, opened as used, so a storm of searches waits
  // for read connections while appends keep theirs, and each statement stops at the budget.
  const readPool = readPoolOf(connectionString, bounds, { ...DEFAULT_READ_POOL, ...reads });

  const store: Store = {
    kind: "postgres",
    query: poolQueryable.query,
    async transaction(fn) {
      const checked = await checkOut(pool);
      const { client, release } = checked;
      const tx = queryable(client);
      try {
        await tx.query("BEGIN");
        const result = await fn(tx);
        await tx.query("COMMIT");
        release(false);
        return result;
      } catch (error) {
        // A connection that failed is closed rather than rolled back: PostgreSQL aborts the
        // transaction when the session ends, and waiting on a dead socket would not be bounded.
        if (checked.lost || isDatabaseUnavailable(error)) {
          release(true);
        } else {
          try {
            await client.query("ROLLBACK");
            release(false);
          } catch {
            release(true);
          }
        }
        throw translateDatabaseError(error);
      }
    },
    listen: (channel, onPayload, onReconnect) => listener.listen(channel, onPayload, onReconnect),
    async notify(channel, payload) {
      await poolQueryable.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async close() {
      await listener.close();
      await Promise.all([pool.end(), readPool.pool.end()]);
    },
    poolStats: () => statsOf(pool, poolSize),
  };
  const readView: Store = {
    ...store,
    root: store,
    query: readPool.queryable.query,
    close: async () => undefined,
    poolStats: () => statsOf(readPool.pool, readPool.size),
    abortable: (signal) => ({
      ...readView,
      query: abortableQueryable(readPool.pool, readPool.config, readPool.budgetMs, signal).query,
    }),
  };
  // The same object, not a copy: the read view's root is the store that caches are keyed by.
  return Object.assign(store, { reads: readView });
}

function statsOf(pool: pg.Pool, max: number): PoolStats {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max };
}

/** The read pool: its statements bounded by the read budget (never above the store's own bound). */
function readPoolOf(
  connectionString: string,
  bounds: DatabaseTimeouts,
  options: ReadPoolOptions,
): {
  pool: pg.Pool;
  config: pg.ClientConfig;
  queryable: Queryable;
  size: number;
  budgetMs: number;
} {
  const budgetMs =
    bounds.statementTimeoutMs > 0
      ? Math.min(options.timeoutMs, bounds.statementTimeoutMs)
      : options.timeoutMs;
  const config = clientConfig(connectionString, { ...bounds, statementTimeoutMs: budgetMs });
  const pool = new pg.Pool({
    ...config,
    max: options.poolSize,
    min: options.poolSize,
    allowExitOnIdle: true,
  });
  pool.on("error", () => undefined);
  return {
    pool,
    config,
    queryable: queryable(pool, budgetMs),
    size: options.poolSize,
    budgetMs,
  };
}
