import type { Queryable } from "./types.js";

/**
 * Waits until everything committed before the call is on disk. A transactional WAL message
 * gives this statement's own transaction a WAL record, so it commits synchronously, and
 * PostgreSQL flushes the WAL up to its commit record, which follows every commit made before
 * it by any session. (A transaction that only takes an id writes no WAL before its commit
 * record and is not flushed at commit.) Appends that committed without waiting for their
 * flush (`chronicle_append`'s `p_flushed_later`) are durable once this returns.
 */
export async function flushWal(db: Queryable): Promise<void> {
  await db.query("SELECT pg_logical_emit_message(true, 'chronicle_flush', '')");
}
