/** One interface over PostgreSQL (a pg Pool) and embedded PGlite; the same SQL runs on both. */

export type Row = Record<string, unknown>;

export interface Queryable {
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Store extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Set on a view of another store (store/root.ts): the store whose connections it uses. */
  readonly root?: Store;
  /**
   * PostgreSQL only: the view that tenants' event reads (lists, searches, counts, exports,
   * tails) go through: connections of their own, so reads never take the writes', and each
   * statement bounded by the read budget (`query_too_expensive` when it runs out).
   * Absent, those reads use the store itself (store/reads.ts).
   */
  readonly reads?: Store;
  /**
   * PostgreSQL's read view only: the same view, its statements cancelled in the database
   * when `signal` aborts (the request's client went away) rather than left running.
   */
  abortable?(signal: AbortSignal): Store;
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on throw). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; resolves to the unsubscribe function. A lost listening
   * connection is re-established by itself; `onReconnect` is called after that, since
   * notifications sent in between were missed.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onReconnect?: () => void,
  ): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL only: the pool's connections (for metrics). */
  poolStats?(): PoolStats;
}

export interface PoolStats {
  total: number;
  idle: number;
  /** Requests waiting for a free connection. */
  waiting: number;
  /** The pool's size. */
  max: number;
}

/** How long the server waits on PostgreSQL (config.ts, `CHRONICLE_DB_*`). */
export interface DatabaseTimeouts {
  /** Longest wait for a connection: opening one, or a free one from the pool. */
  connectTimeoutMs: number;
  /** `statement_timeout` of every session; the client gives up 1 s after it. */
  statementTimeoutMs: number;
  /** `idle_in_transaction_session_timeout` of every session. */
  idleInTransactionTimeoutMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 20_000,
  idleInTransactionTimeoutMs: 60_000,
};

/** The connections of tenants' event reads (`Store.reads`). */
export interface ReadPoolOptions {
  /** Connections of the read pool. */
  poolSize: number;
  /** `statement_timeout` of a read (at most the store's own statement timeout). */
  timeoutMs: number;
}

export const DEFAULT_READ_POOL: ReadPoolOptions = { poolSize: 8, timeoutMs: 10_000 };

export interface StoreOptions {
  /** PostgreSQL connection string; when absent PGlite is used. */
  databaseUrl?: string;
  /** PGlite's data directory (created when missing). */
  dataDir?: string;
  /** pg Pool size; default 10. */
  poolSize?: number;
  /** PostgreSQL only; defaults in DEFAULT_DATABASE_TIMEOUTS. */
  timeouts?: Partial<DatabaseTimeouts>;
  /** PostgreSQL only; defaults in DEFAULT_READ_POOL. */
  reads?: Partial<ReadPoolOptions>;
}
