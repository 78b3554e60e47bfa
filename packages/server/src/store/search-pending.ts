import { prepared } from "./prepared.js";
import type { Queryable } from "./types.js";

const MERGE = prepared("SELECT chronicle_merge_search_pending() AS pages");

/**
 * Merges the pending list of the search index into it, for the partitions appends write to
 * now (migration 0030): the pages merged, or null when another session is merging it.
 */
export async function mergeSearchPending(db: Queryable): Promise<number | null> {
  const [row] = await db.query<{ pages: number | string | null }>(MERGE);
  return row?.pages === null || row?.pages === undefined ? null : Number(row.pages);
}
