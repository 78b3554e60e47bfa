import { prepared } from "./prepared.js";
import type { Queryable, Store } from "./types.js";

const TARGETS = prepared("SELECT chronicle_search_merge_targets()::oid[] AS indexes");
const MERGE = prepared("SELECT chronicle_merge_search_pending($1::oid[]::regclass[]) AS pages");

/**
 * The search index's partitions that appends write to now and in the next minutes
 * (migration 0030), as index oids. Reading them locks every partition for a moment: call it
 * on its own, not inside a transaction that goes on.
 */
export async function searchMergeTargets(db: Queryable): Promise<string[]> {
  const [row] = await db.query<{ indexes: (string | number)[] | null }>(TARGETS);
  return (row?.indexes ?? []).map(String);
}

/**
 * Merges the pending lists of `indexes` (partitions of the search index; any other is
 * skipped) into the index: the pages merged; null when another session is merging;
 * "bounded" when the statement was cancelled (its timeout, `mergeSearchPendingWithin`)
 * with more left to merge.
 */
export async function mergeSearchPending(
  db: Queryable,
  indexes: readonly string[],
): Promise<number | "bounded" | null> {
  const [row] = await db.query<{ pages: number | string | null }>(MERGE, [indexes]);
  if (row?.pages === null || row?.pages === undefined) return null;
  const pages = Number(row.pages);
  return pages < 0 ? "bounded" : pages;
}

/**
 * `mergeSearchPending` for at most `boundMs`. PostgreSQL's merge goes on with what inserts
 * add while it runs, and the pages it frees are reused only once it returns: unbounded
 * beside sustained appends, it grew the index by every pending page written meanwhile
 * (migration 0034, bench/FINDINGS.md B59).
 */
export async function mergeSearchPendingWithin(
  store: Store,
  indexes: readonly string[],
  boundMs: number,
): Promise<number | "bounded" | null> {
  if (!Number.isSafeInteger(boundMs) || boundMs < 1) {
    throw new Error(`a merge's bound is a whole number of ms, not ${boundMs}`);
  }
  return store.transaction(async (tx) => {
    await tx.query(`SET LOCAL statement_timeout = ${boundMs}`);
    return mergeSearchPending(tx, indexes);
  });
}
