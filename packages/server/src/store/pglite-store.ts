import { PGlite, types } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { lockDataDir } from "./lock-file.js";
import { Mutex } from "./mutex.js";
import type { Queryable, Row, Store } from "./types.js";

/** `YYYY-MM-DD HH:MM:SS[.f]±HH[:MM]`: PostgreSQL's text form of a timestamptz. */
const PG_TIMESTAMPTZ = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::(\d\d))?$/;

/**
 * PGlite's own parser hands the text to `new Date`, which reads years below 100 as 19xx or
 * 20xx (0001-01-01 came back as 2001-01-01); the ISO form is parsed as written, as
 * node-postgres does.
 */
function parseTimestamptz(value: string): Date {
  const parts = PG_TIMESTAMPTZ.exec(value);
  return parts
    ? new Date(`${parts[1]}T${parts[2]}${parts[3]}:${parts[4] ?? "00"}`)
    : new Date(value);
}

const PARSERS = {
  [types.INT8]: (value: string) => Number(value),
  [types.TIMESTAMPTZ]: parseTimestamptz,
};

/** Embedded PGlite: one connection, so every query and transaction is serialised. */
export async function openPgliteStore(dataDir: string): Promise<Store> {
  const release = lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create({
      dataDir,
      extensions: { btree_gin, pg_trgm },
      parsers: PARSERS,
    });
  } catch (error) {
    release();
    throw error;
  }
  const mutex = new Mutex();
  const raw: Queryable = {
    async query<R = Row>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<R>(sql, params as unknown[]);
      return result.rows;
    },
  };
  let closed = false;

  return {
    kind: "pglite",
    query: (sql, params) => mutex.run(() => raw.query(sql, params)),
    transaction: (fn) =>
      mutex.run(async () => {
        await db.exec("BEGIN");
        try {
          const result = await fn(raw);
          await db.exec("COMMIT");
          return result;
        } catch (error) {
          await db.exec("ROLLBACK").catch(() => undefined);
          throw error;
        }
      }),
    async listen(channel, onPayload) {
      const unlisten = await mutex.run(() => db.listen(channel, onPayload));
      return () => (closed ? Promise.resolve() : mutex.run(() => unlisten()));
    },
    async notify(channel, payload) {
      await mutex.run(() => raw.query("SELECT pg_notify($1, $2)", [channel, payload]));
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await mutex.run(() => db.close());
      } finally {
        release();
      }
    },
  };
}
