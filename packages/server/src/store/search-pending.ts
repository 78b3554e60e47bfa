import { prepared } from "./prepared.js";
import type { Queryable } from "./types.js";

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
 * skipped) into the index: the pages merged, or null when another session is merging.
 */
export async function mergeSearchPending(
  db: Queryable,
  indexes: readonly string[],
): Promise<number | null> {
  const [row] = await db.query<{ pages: number | string | null }>(MERGE, [indexes]);
  return row?.pages === null || row?.pages === undefined ? null : Number(row.pages);
}
