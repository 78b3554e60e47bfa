import type { ApiKeyCreated, Project, ProjectUpdate } from "@chronicle/types";
import { notFound, validationFailed } from "../../domain/errors.js";
import { SCOPES } from "../../domain/scopes.js";
import {
  insertProject,
  lockProjectSettings,
  type ProjectRow,
  selectProject,
  updateProjectSettings,
} from "../../store/projects.js";
import type { Queryable, Store } from "../../store/types.js";
import { newId } from "../system/ids.js";
import { type RecordAs, recordInTransaction } from "../system/system-events.js";
import { insertApiKey } from "./api-keys.js";

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
  const row = await selectProject(db, projectId);
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
): Promise<{ project: Project; adminKey: ApiKeyCreated }> {
  const name = checkName(input.name, "/name");
  const projectId = newId("prj");
  return store.transaction(async (tx) => {
    await insertProject(tx, projectId, name);
    const adminKey = await insertApiKey(tx, projectId, {
      name: "Admin key",
      scopes: [...SCOPES],
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
  patch: ProjectUpdate,
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
      {
        pointer: "/retention_days",
        detail: "must be an integer from 1 to 36500, or null",
        code: "invalid",
      },
    ]);
  }
  return store.transaction(async (tx) => {
    const before = await lockProjectSettings(tx, projectId);
    if (!before) throw notFound("Project");
    const after = {
      name: patch.name ?? before.name,
      retention_days: retention === undefined ? before.retention_days : retention,
    };
    await updateProjectSettings(tx, projectId, after);
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
