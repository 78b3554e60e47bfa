import pg from "pg";
import { ChronicleError } from "../domain/errors.js";
import type { Queryable, Row, Store } from "./types.js";

const INT8_OID = 20;
const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

const typeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

const NETWORK_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EAI_AGAIN",
]);

/** Connection failures are 503 unavailable; SQL errors stay what they are. */
function translate(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  const lost =
    (typeof code === "string" &&
      (NETWORK_ERRORS.has(code) || code.startsWith("08") || code.startsWith("57P"))) ||
    (error instanceof Error &&
      /Connection terminated|timeout exceeded when trying to connect/i.test(error.message));
  return lost ? new ChronicleError("unavailable", "The database cannot be reached") : error;
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R = Row>(sql: string, params: readonly unknown[] = []) {
      try {
        const result = await client.query(sql, params as unknown[]);
        return result.rows as R[];
      } catch (error) {
        throw translate(error);
      }
    },
  };
}

class Listener {
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  #closed = false;

  constructor(private readonly connectionString: string) {}

  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    if (!this.#connecting) {
      this.#connecting = (async () => {
        const client = new pg.Client({ connectionString: this.connectionString });
        client.on("notification", (message) => {
          for (const handler of this.#handlers.get(message.channel) ?? []) {
            handler(message.payload ?? "");
          }
        });
        client.on("error", () => this.#lost(client));
        client.on("end", () => this.#lost(client));
        await client.connect();
        for (const channel of this.#handlers.keys()) await client.query(`LISTEN ${channel}`);
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
    const retry = () => {
      if (this.#closed || this.#handlers.size === 0) return;
      this.#connect().catch(() => setTimeout(retry, 1000).unref());
    };
    setTimeout(retry, 100).unref();
  }

  async listen(channel: string, handler: (payload: string) => void) {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`Invalid channel name: ${channel}`);
    let handlers = this.#handlers.get(channel);
    const isNew = !handlers;
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(handler);
    const wasConnected = this.#client !== null;
    const client = await this.#connect();
    if (isNew && wasConnected) await client.query(`LISTEN ${channel}`);
    return async () => {
      handlers.delete(handler);
      if (handlers.size > 0 || this.#handlers.get(channel) !== handlers) return;
      this.#handlers.delete(channel);
      await this.#client?.query(`UNLISTEN ${channel}`).catch(() => undefined);
    };
  }

  async close() {
    this.#closed = true;
    this.#handlers.clear();
    const client = this.#client ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#client = null;
    if (client) {
      client.removeAllListeners();
      client.on("error", () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}

/** PostgreSQL through a pg Pool; LISTEN on one dedicated connection. */
export async function openPostgresStore(connectionString: string, poolSize = 10): Promise<Store> {
  const pool = new pg.Pool({ connectionString, max: poolSize, types: typeParsers });
  // An idle client's error (server restart) must not crash the process.
  pool.on("error", () => undefined);
  const listener = new Listener(connectionString);
  const poolQueryable = queryable(pool);
  await poolQueryable.query("SELECT 1");

  return {
    kind: "postgres",
    query: poolQueryable.query,
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translate(error);
      }
      const tx = queryable(client);
      try {
        await tx.query("BEGIN");
        const result = await fn(tx);
        await tx.query("COMMIT");
        client.release();
        return result;
      } catch (error) {
        try {
          await client.query("ROLLBACK");
          client.release();
        } catch {
          client.release(true);
        }
        throw error;
      }
    },
    listen: (channel, onPayload) => listener.listen(channel, onPayload),
    async notify(channel, payload) {
      await poolQueryable.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}
