import type { Queryable } from "./server-source.js";

/**
 * Each partition of `events` (by name) with its search index's storage options, e.g.
 * `["gin_pending_list_limit=1024"]` (migration 0032), or null when it has none.
 */
export async function searchIndexOptions(db: Queryable): Promise<Record<string, string[] | null>> {
  const rows = await db.query<{ partition: string; options: string[] | null }>(
    `SELECT x.indrelid::regclass::text AS partition, c.reloptions AS options
     FROM pg_inherits AS i
     JOIN pg_index AS x ON x.indexrelid = i.inhrelid
     JOIN pg_class AS c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events_search'::regclass`,
  );
  return Object.fromEntries(rows.map((row) => [row.partition, row.options]));
}
