import { PGlite, types } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { lockDataDir } from "./lock-file.js";
import { Mutex } from "./mutex.js";
import type { Queryable, Row, Store } from "./types.js";

const INT8_AS_NUMBER = { [types.INT8]: (value: string) => Number(value) };

/** Embedded PGlite: one connection, so every query and transaction is serialised. */
export async function openPgliteStore(dataDir: string): Promise<Store> {
  const release = lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir, extensions: { pg_trgm }, parsers: INT8_AS_NUMBER });
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
