import type { Queryable } from "./types.js";

/** The channel that carries invalidations of in-process caches between replicas. */
export const INVALIDATIONS_CHANNEL = "chronicle_invalidations";

/** The one settings row counting changes to cached data (the global table holds it). */
const VERSION_SETTING = "cache_version";

/**
 * Moves the cache version on by one and queues a notification naming the change, both in
 * `tx`: PostgreSQL delivers the notification at commit (never for a rollback), and the row
 * lock orders concurrent changes, so versions are delivered in the order they commit.
 * Returns the new version.
 */
export async function announceCacheChange(
  tx: Queryable,
  cache: string,
  group: string,
): Promise<number> {
  const [row] = await tx.query<{ version: string }>(
    `WITH bumped AS (
       INSERT INTO settings (name, value) VALUES ($1, '1')
       ON CONFLICT (name) DO UPDATE SET value = (settings.value::bigint + 1)::text
       RETURNING value
     )
     SELECT value AS version,
            pg_notify($2, json_build_object('c', $3::text, 'g', $4::text, 'v', value::bigint)::text)
     FROM bumped`,
    [VERSION_SETTING, INVALIDATIONS_CHANNEL, cache, group],
  );
  return Number(row?.version ?? 0);
}

/** The cache version: how many changes to cached data have committed (0 before any). */
export async function selectCacheVersion(db: Queryable): Promise<number> {
  const [row] = await db.query<{ value: string }>("SELECT value FROM settings WHERE name = $1", [
    VERSION_SETTING,
  ]);
  return Number(row?.value ?? 0);
}
