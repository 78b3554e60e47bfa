import type { Queryable } from "./types.js";

/** A project with the counts its page shows. */
export interface ProjectRow {
  project_id: string;
  name: string;
  retention_days: number | null;
  created_at: Date;
  events: number;
  actions: number;
  workspaces: number;
  api_keys: number;
}

/** The settings a project's owner changes. */
export interface ProjectSettingsRow {
  name: string;
  retention_days: number | null;
}

/** A project whose events expire, with the seqs retention works between. */
export interface RetainedProjectRow {
  project_id: string;
  retention_days: number;
  last_seq: number;
  checkpoint_seq: number | null;
}

const SELECT_PROJECT = `
SELECT p.project_id, p.name, p.retention_days, p.created_at,
  p.last_seq - coalesce(p.checkpoint_seq, 0) AS events,
  (SELECT count(*) FROM actions a WHERE a.project_id = p.project_id AND a.count > 0) AS actions,
  (SELECT count(*) FROM workspaces w WHERE w.project_id = p.project_id) AS workspaces,
  (SELECT count(*) FROM api_keys k WHERE k.project_id = p.project_id AND k.revoked_at IS NULL)
    AS api_keys
FROM projects p WHERE p.project_id = $1`;

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
    "SELECT name, retention_days FROM projects WHERE project_id = $1 FOR UPDATE",
    [projectId],
  );
  return row;
}

export async function updateProjectSettings(
  db: Queryable,
  projectId: string,
  settings: ProjectSettingsRow,
): Promise<void> {
  await db.query("UPDATE projects SET name = $2, retention_days = $3 WHERE project_id = $1", [
    projectId,
    settings.name,
    settings.retention_days,
  ]);
}

/** Every project with a retention period, by id. */
export async function selectRetainedProjects(db: Queryable): Promise<RetainedProjectRow[]> {
  return db.query<RetainedProjectRow>(
    `SELECT project_id, retention_days, last_seq, checkpoint_seq FROM projects
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
