import type { ProjectUpdate } from "@chronicle/types";
import type { Queryable } from "./types.js";

/** A project with the counts its page shows. */
export interface ProjectRow {
  project_id: string;
  name: string;
  slug: string | null;
  catalog: "open" | "strict";
  retention_days: number | null;
  created_at: Date;
  last_seq: number;
  events: number;
  actions: number;
  workspaces: number;
  api_keys: number;
  counted_seq: number;
  actors: number;
  targets: number;
  target_types: number;
}

/** The settings a project's owner changes. */
/** The project's settable fields as stored: every one of the contract's ProjectUpdate present. */
export type ProjectSettingsRow = Required<ProjectUpdate>;

/** A project whose events expire, with the seqs retention works between. */
export interface RetainedProjectRow {
  project_id: string;
  retention_days: number;
  last_seq: number;
  checkpoint_seq: number | null;
}

const SELECT_PROJECT = `
SELECT p.project_id, p.name, p.slug, p.catalog, p.retention_days, p.created_at, p.last_seq,
  p.last_seq - coalesce(p.checkpoint_seq, 0) AS events,
  coalesce(c.counted_seq, 0) AS counted_seq, coalesce(c.actors, 0) AS actors,
  coalesce(c.targets, 0) AS targets, coalesce(c.target_types, 0) AS target_types,
  (SELECT count(*) FROM actions a WHERE a.project_id = p.project_id AND a.count > 0) AS actions,
  (SELECT count(*) FROM workspaces w WHERE w.project_id = p.project_id) AS workspaces,
  (SELECT count(*) FROM api_keys k WHERE k.project_id = p.project_id AND k.revoked_at IS NULL)
    AS api_keys
FROM projects p LEFT JOIN project_counts c ON c.project_id = p.project_id
WHERE p.project_id = $1`;

export async function insertProject(db: Queryable, projectId: string, name: string): Promise<void> {
  await db.query("INSERT INTO projects (project_id, name) VALUES ($1, $2)", [projectId, name]);
}

export async function selectProject(
  db: Queryable,
  projectId: string,
): Promise<ProjectRow | undefined> {
  const [row] = await db.query<ProjectRow>(SELECT_PROJECT, [projectId]);
  return row;
}

/** The project's settings, locked for the rest of the transaction `tx`. */
export async function lockProjectSettings(
  tx: Queryable,
  projectId: string,
): Promise<ProjectSettingsRow | undefined> {
  const [row] = await tx.query<ProjectSettingsRow>(
    "SELECT name, slug, catalog, retention_days FROM projects WHERE project_id = $1 FOR UPDATE",
    [projectId],
  );
  return row;
}

export async function updateProjectSettings(
  db: Queryable,
  projectId: string,
  settings: ProjectSettingsRow,
): Promise<void> {
  await db.query(
    `UPDATE projects SET name = $2, slug = $3, catalog = $4, retention_days = $5
     WHERE project_id = $1`,
    [projectId, settings.name, settings.slug, settings.catalog, settings.retention_days],
  );
}

/** Whether a project other than `projectId` has this slug. */
export async function slugTakenElsewhere(
  db: Queryable,
  projectId: string,
  slug: string,
): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM projects WHERE slug = $1 AND project_id <> $2", [
    slug,
    projectId,
  ]);
  return rows.length > 0;
}

/** The project's catalog mode; undefined when there is no such project. */
export async function selectCatalogMode(
  db: Queryable,
  projectId: string,
): Promise<"open" | "strict" | undefined> {
  const [row] = await db.query<{ catalog: "open" | "strict" }>(
    "SELECT catalog FROM projects WHERE project_id = $1",
    [projectId],
  );
  return row?.catalog;
}

// --- Deletion ------------------------------------------------------------------------------

export interface DeletionRow {
  deletion_requested_at: string;
  purge_after: string;
  revoked_keys: string[];
}

/**
 * Marks the project for deletion and revokes its live keys at the same instant (so a
 * restore knows which keys the deletion revoked); undefined when it is already marked.
 */
export async function markProjectDeleted(
  tx: Queryable,
  projectId: string,
  graceDays: number,
): Promise<DeletionRow | undefined> {
  const [row] = await tx.query<DeletionRow>(
    `WITH marked AS (
       UPDATE projects SET deletion_requested_at = now(),
         purge_after = now() + make_interval(days => greatest($2, chronicle_min_deletion_grace_days()))
       WHERE project_id = $1 AND deletion_requested_at IS NULL
       RETURNING deletion_requested_at, purge_after
     ), revoked AS (
       UPDATE api_keys SET revoked_at = (SELECT deletion_requested_at FROM marked)
       WHERE project_id = $1 AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM marked)
       RETURNING key_id
     )
     SELECT to_char(deletion_requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
         AS deletion_requested_at,
       to_char(purge_after AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS purge_after,
       ARRAY(SELECT key_id FROM revoked ORDER BY key_id) AS revoked_keys
     FROM marked`,
    [projectId, graceDays],
  );
  return row;
}

/**
 * Lifts a deletion still within its grace period: the keys it revoked (those revoked at
 * the deletion's instant) work again. Returns their ids; undefined when the project is not
 * marked or its grace period is over.
 */
export async function unmarkProjectDeleted(
  tx: Queryable,
  projectId: string,
): Promise<string[] | undefined> {
  const [row] = await tx.query<{ restored_keys: string[] }>(
    `WITH marked AS (
       SELECT deletion_requested_at FROM projects
       WHERE project_id = $1 AND deletion_requested_at IS NOT NULL AND purge_after > now()
       FOR UPDATE
     ), restored AS (
       UPDATE api_keys SET revoked_at = NULL
       WHERE project_id = $1 AND revoked_at = (SELECT deletion_requested_at FROM marked)
       RETURNING key_id
     ), unmarked AS (
       UPDATE projects SET deletion_requested_at = NULL, purge_after = NULL
       WHERE project_id = $1 AND EXISTS (SELECT 1 FROM marked)
     )
     SELECT ARRAY(SELECT key_id FROM restored ORDER BY key_id) AS restored_keys FROM marked`,
    [projectId],
  );
  return row?.restored_keys;
}

/**
 * Projects whose deletion grace period is over, oldest first: by the condition
 * `chronicle_purge_project` checks (migration 0015), so a row the function would refuse
 * does not hold a place.
 */
export async function selectProjectsToPurge(db: Queryable, limit: number): Promise<string[]> {
  const rows = await db.query<{ project_id: string }>(
    `SELECT project_id FROM projects WHERE purge_after <= chronicle_removal_now()
       AND deletion_requested_at <= chronicle_removal_now()
         - make_interval(days => chronicle_min_deletion_grace_days())
     ORDER BY purge_after, project_id LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.project_id);
}

/**
 * Removes every row of a project whose grace period is over, through
 * `chronicle_purge_project` (migrations 0011, 0015), which records the removal in
 * `operator_log` in the same transaction; how many rows, 0 when it is not due.
 */
export async function purgeProject(db: Queryable, projectId: string): Promise<number> {
  const [row] = await db.query<{ n: number | string }>("SELECT chronicle_purge_project($1) AS n", [
    projectId,
  ]);
  return Number(row?.n ?? 0);
}

export interface OperatorLogEntry {
  action: string;
  projectId: string;
  detail: Record<string, unknown>;
}

/** Appends to the deployment's operator log, which outlives the projects it names. */
export async function insertOperatorLog(db: Queryable, entry: OperatorLogEntry): Promise<void> {
  await db.query("INSERT INTO operator_log (action, project_id, detail) VALUES ($1, $2, $3)", [
    entry.action,
    entry.projectId,
    JSON.stringify(entry.detail),
  ]);
}

export async function selectOperatorLog(
  db: Queryable,
  projectId?: string,
): Promise<
  {
    seq: number;
    action: string;
    project_id: string;
    detail: Record<string, unknown>;
    recorded_at: Date;
  }[]
> {
  return db.query(
    `SELECT seq, action, project_id, detail, recorded_at FROM operator_log
     WHERE $1::text IS NULL OR project_id = $1 ORDER BY seq`,
    [projectId ?? null],
  );
}

// --- Distinct counts ---------------------------------------------------------------------

/** Projects with events not counted yet, at most `limit`. */
export async function selectProjectsToCount(db: Queryable, limit: number): Promise<string[]> {
  const rows = await db.query<{ project_id: string }>(
    `SELECT p.project_id FROM projects p LEFT JOIN project_counts c ON c.project_id = p.project_id
     WHERE p.last_seq > coalesce(c.counted_seq, 0) AND p.deletion_requested_at IS NULL
     ORDER BY p.project_id LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.project_id);
}

/**
 * Counts the next `chunk` events of the project after the last counted one: their actors
 * and targets join the project's distinct sets, the counters grow by what was new. One
 * statement; the counts row's lock orders concurrent counters (a second one counts the
 * chunk after). Returns the seq counted up to. The new types are told from the new targets'
 * distinct types: a type first seen in this chunk finds in project_targets only the rows this
 * statement inserted, which it cannot see, so a lookup per new target walked all of them
 * (quadratic in a chunk's new targets; bench/FINDINGS.md B54).
 */
export async function countNextEvents(
  tx: Queryable,
  projectId: string,
  chunk: number,
): Promise<number> {
  await tx.query(
    "INSERT INTO project_counts (project_id) VALUES ($1) ON CONFLICT (project_id) DO NOTHING",
    [projectId],
  );
  const [row] = await tx.query<{ counted_seq: number | string }>(
    `WITH span AS (
       SELECT c.counted_seq AS after_seq, least(p.last_seq, c.counted_seq + $2) AS up_to
       FROM project_counts c JOIN projects p ON p.project_id = c.project_id
       WHERE c.project_id = $1 FOR UPDATE OF c
     ), counted AS (
       SELECT e.actor_type, e.actor_id, e.target_keys FROM events e, span
       WHERE e.project_id = $1 AND e.seq > span.after_seq AND e.seq <= span.up_to
     ), new_actors AS (
       INSERT INTO project_actors (project_id, actor_type, actor_id)
       SELECT DISTINCT $1, actor_type, actor_id FROM counted
       ON CONFLICT DO NOTHING RETURNING 1
     ), new_targets AS (
       INSERT INTO project_targets (project_id, target_type, target_id)
       SELECT DISTINCT $1, key::jsonb ->> 0, key::jsonb ->> 1
       FROM counted, unnest(counted.target_keys) AS key
       ON CONFLICT DO NOTHING RETURNING target_type
     ), new_types AS (
       SELECT n.target_type FROM (SELECT DISTINCT target_type FROM new_targets) AS n
       WHERE NOT EXISTS (
         SELECT 1 FROM project_targets o WHERE o.project_id = $1 AND o.target_type = n.target_type)
     )
     UPDATE project_counts SET counted_seq = span.up_to,
       actors = actors + (SELECT count(*) FROM new_actors),
       targets = targets + (SELECT count(*) FROM new_targets),
       target_types = target_types + (SELECT count(*) FROM new_types)
     FROM span WHERE project_counts.project_id = $1
     RETURNING project_counts.counted_seq`,
    [projectId, chunk],
  );
  return Number(row?.counted_seq ?? 0);
}

/** Every project with a retention period (never under the owner's floor), by id. */
export async function selectRetainedProjects(db: Queryable): Promise<RetainedProjectRow[]> {
  return db.query<RetainedProjectRow>(
    `SELECT project_id, greatest(retention_days, chronicle_min_retention_days()) AS retention_days,
       last_seq, checkpoint_seq FROM projects
     WHERE retention_days IS NOT NULL ORDER BY project_id`,
  );
}

/** The seq up to which the project's events were purged; undefined when there is no project. */
export async function selectRetentionCheckpoint(
  db: Queryable,
  projectId: string,
): Promise<{ checkpoint_seq: number | null } | undefined> {
  const [row] = await db.query<{ checkpoint_seq: number | null }>(
    "SELECT checkpoint_seq FROM projects WHERE project_id = $1",
    [projectId],
  );
  return row;
}
