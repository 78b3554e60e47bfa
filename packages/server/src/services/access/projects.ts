import { notFound, validationFailed } from "../../domain/errors.js";
import type { ActorInput } from "../../domain/event.js";
import type { ApiKeyWithSecret, Project, ProjectPatch } from "../../domain/types.js";
import type { Queryable, Store } from "../../store/types.js";
import { newId } from "../system/ids.js";
import { recordInTransaction } from "../system/system-events.js";
import { insertApiKey } from "./api-keys.js";

export interface RecordAs {
  /** When set, the change is itself recorded as an event by this actor. */
  recordAs?: ActorInput;
}

interface ProjectRow {
  project_id: string;
  name: string;
  retention_days: number | null;
  created_at: Date;
  events: number;
  actions: number;
  workspaces: number;
  api_keys: number;
}

const SELECT_PROJECT = `
SELECT p.project_id, p.name, p.retention_days, p.created_at,
  p.last_seq - coalesce(p.checkpoint_seq, 0) AS events,
  (SELECT count(*) FROM actions a WHERE a.project_id = p.project_id AND a.count > 0) AS actions,
  (SELECT count(*) FROM workspaces w WHERE w.project_id = p.project_id) AS workspaces,
  (SELECT count(*) FROM api_keys k WHERE k.project_id = p.project_id AND k.revoked_at IS NULL)
    AS api_keys
FROM projects p WHERE p.project_id = $1`;

function toProject(row: ProjectRow): Project {
  return {
    id: row.project_id,
    name: row.name,
    retention_days: row.retention_days === null ? null : Number(row.retention_days),
    created_at: new Date(row.created_at).toISOString(),
    counts: {
      events: Number(row.events),
      actions: Number(row.actions),
      workspaces: Number(row.workspaces),
      api_keys: Number(row.api_keys),
    },
  };
}

async function readProject(db: Queryable, projectId: string): Promise<Project> {
  const [row] = await db.query<ProjectRow & Record<string, unknown>>(SELECT_PROJECT, [projectId]);
  if (!row) throw notFound("Project");
  return toProject(row);
}

function checkName(name: unknown, pointer: string): string {
  if (typeof name !== "string" || name.trim() === "" || name.length > 200) {
    throw validationFailed([{ pointer, detail: "must be 1 to 200 characters", code: "minLength" }]);
  }
  return name;
}

/** A new project and its first key, holding every scope. */
export async function createProject(
  store: Store,
  input: { name: string },
): Promise<{ project: Project; adminKey: ApiKeyWithSecret }> {
  const name = checkName(input.name, "/name");
  const projectId = newId("prj");
  return store.transaction(async (tx) => {
    await tx.query("INSERT INTO projects (project_id, name) VALUES ($1, $2)", [projectId, name]);
    const adminKey = await insertApiKey(tx, projectId, {
      name: "Admin key",
      scopes: ["activity:read", "activity:write", "activity:export", "admin"],
    });
    return { project: await readProject(tx, projectId), adminKey };
  });
}

export async function getProject(store: Store, projectId: string): Promise<Project> {
  return readProject(store, projectId);
}

export async function updateProject(
  store: Store,
  projectId: string,
  patch: ProjectPatch,
  options: RecordAs = {},
): Promise<Project> {
  if (patch.name !== undefined) checkName(patch.name, "/name");
  const retention = patch.retention_days;
  if (
    retention !== undefined &&
    retention !== null &&
    (!Number.isInteger(retention) || retention < 1 || retention > 36500)
  ) {
    throw validationFailed([
      { pointer: "/retention_days", detail: "must be an integer from 1 to 36500, or null" },
    ]);
  }
  return store.transaction(async (tx) => {
    const [before] = await tx.query<{ name: string; retention_days: number | null }>(
      "SELECT name, retention_days FROM projects WHERE project_id = $1 FOR UPDATE",
      [projectId],
    );
    if (!before) throw notFound("Project");
    const after = {
      name: patch.name ?? before.name,
      retention_days: retention === undefined ? before.retention_days : retention,
    };
    await tx.query("UPDATE projects SET name = $2, retention_days = $3 WHERE project_id = $1", [
      projectId,
      after.name,
      after.retention_days,
    ]);
    const changed = after.name !== before.name || after.retention_days !== before.retention_days;
    if (changed) {
      await recordInTransaction(tx, projectId, options.recordAs, {
        action: "project.updated",
        target: { type: "project", id: projectId, name: after.name },
        summary: "Project settings changed",
        changes: { before: { ...before }, after },
      });
    }
    return readProject(tx, projectId);
  });
}
