import type {
  ActorInput,
  ApiKeyCreated,
  Project,
  ProjectDeletion,
  ProjectUpdate,
} from "@chronicle/types";
import { notFound, ServiceError, validationFailed } from "../../domain/errors.js";
import { SCOPES } from "../../domain/scopes.js";
import {
  insertOperatorLog,
  insertProject,
  lockProjectSettings,
  markProjectDeleted,
  type ProjectRow,
  type ProjectSettingsRow,
  selectProject,
  slugTakenElsewhere,
  unmarkProjectDeleted,
  updateProjectSettings,
} from "../../store/projects.js";
import type { Queryable, Store } from "../../store/types.js";
import { CATALOG_CACHE } from "../catalog/catalog-cache.js";
import { transactionInvalidating } from "../system/cache-invalidation.js";
import { newId } from "../system/ids.js";
import { type RecordAs, recordInTransaction } from "../system/system-events.js";
import { insertApiKey } from "./api-keys.js";
import { CREDENTIALS_CACHE } from "./credentials-cache.js";

export const DEFAULT_DELETION_GRACE_DAYS = 7;

function toProject(row: ProjectRow): Project {
  const countedSeq = Number(row.counted_seq);
  return {
    id: row.project_id,
    name: row.name,
    slug: row.slug,
    catalog: row.catalog,
    retention_days: row.retention_days === null ? null : Number(row.retention_days),
    created_at: new Date(row.created_at).toISOString(),
    counts: {
      events: Number(row.events),
      actions: Number(row.actions),
      workspaces: Number(row.workspaces),
      api_keys: Number(row.api_keys),
      distinct: {
        actors: Number(row.actors),
        targets: Number(row.targets),
        target_types: Number(row.target_types),
        as_of_seq: countedSeq,
        approximate: countedSeq < Number(row.last_seq),
      },
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

function checkRetention(retention: ProjectUpdate["retention_days"]): void {
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
}

function settingsAfter(before: ProjectSettingsRow, patch: ProjectUpdate): ProjectSettingsRow {
  return {
    name: patch.name ?? before.name,
    slug: patch.slug === undefined ? before.slug : patch.slug,
    catalog: patch.catalog ?? before.catalog,
    retention_days:
      patch.retention_days === undefined ? before.retention_days : patch.retention_days,
  };
}

function slugTaken(slug: string): ServiceError {
  return new ServiceError("slug_taken", `Another project already has the slug "${slug}".`);
}

/** PostgreSQL's unique violation: two requests raced for one slug, the other one won. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "23505";
}

export async function updateProject(
  store: Store,
  projectId: string,
  patch: ProjectUpdate,
  options: RecordAs = {},
): Promise<Project> {
  if (patch.name !== undefined) checkName(patch.name, "/name");
  checkRetention(patch.retention_days);
  // The catalog mode is cached with the catalog: a change evicts it on every replica.
  const change = { cache: CATALOG_CACHE, group: projectId };
  try {
    return await transactionInvalidating(store, change, async (tx) => {
      const before = await lockProjectSettings(tx, projectId);
      if (!before) throw notFound("Project");
      const after = settingsAfter(before, patch);
      if (after.slug !== null && after.slug !== before.slug) {
        if (await slugTakenElsewhere(tx, projectId, after.slug)) throw slugTaken(after.slug);
      }
      await updateProjectSettings(tx, projectId, after);
      const changed = (Object.keys(after) as (keyof ProjectSettingsRow)[]).some(
        (member) => after[member] !== before[member],
      );
      if (changed) {
        await recordInTransaction(tx, projectId, options.recordAs, {
          action: "project.updated",
          target: { type: "project", id: projectId, name: after.name },
          summary: "Project settings changed",
          changes: { before: { ...before }, after: { ...after } },
        });
      }
      return readProject(tx, projectId);
    });
  } catch (error) {
    if (isUniqueViolation(error) && patch.slug) throw slugTaken(patch.slug);
    throw error;
  }
}

/**
 * Schedules the project's deletion, confirmed by its exact name: its keys are revoked at
 * once (so viewer tokens and open streams end with them), and the request is recorded in
 * the project and in the deployment's operator log. Within `graceDays` an operator can
 * restore it (restoreProject); after it, the maintenance schedule removes every row.
 */
export async function requestProjectDeletion(
  store: Store,
  projectId: string,
  confirm: string,
  options: { graceDays?: number; requestedBy?: ActorInput } = {},
): Promise<ProjectDeletion> {
  const graceDays = options.graceDays ?? DEFAULT_DELETION_GRACE_DAYS;
  const changes = [
    { cache: CREDENTIALS_CACHE, group: projectId },
    { cache: CATALOG_CACHE, group: projectId },
  ];
  return transactionInvalidating(store, changes, async (tx) => {
    const project = await lockProjectSettings(tx, projectId);
    if (!project) throw notFound("Project");
    if (confirm !== project.name) {
      throw new ServiceError(
        "confirmation_mismatch",
        "`confirm` must be the project's exact name to delete it.",
        {
          errors: [
            { pointer: "/query/confirm", detail: "is not the project's name", code: "const" },
          ],
        },
      );
    }
    await recordInTransaction(tx, projectId, options.requestedBy, {
      action: "project.deletion_requested",
      target: { type: "project", id: projectId, name: project.name },
      summary: `Project deletion requested; removed after ${graceDays} days unless restored`,
    });
    const marked = await markProjectDeleted(tx, projectId, graceDays);
    if (!marked) throw notFound("Project");
    await insertOperatorLog(tx, {
      action: "project.deletion_requested",
      projectId,
      detail: {
        name: project.name,
        slug: project.slug,
        requested_by: options.requestedBy ?? null,
        purge_after: marked.purge_after,
        revoked_keys: marked.revoked_keys,
      },
    });
    return {
      project_id: projectId,
      name: project.name,
      deletion_requested_at: marked.deletion_requested_at,
      purge_after: marked.purge_after,
    };
  });
}

/**
 * Lifts a deletion within its grace period (an operator's act: the project's keys no longer
 * work): the keys the deletion revoked work again. 404 when the project is not awaiting
 * deletion, or its grace period is over.
 */
export async function restoreProject(
  store: Store,
  projectId: string,
  options: { restoredBy?: string } = {},
): Promise<Project> {
  const changes = [
    { cache: CREDENTIALS_CACHE, group: projectId },
    { cache: CATALOG_CACHE, group: projectId },
  ];
  return transactionInvalidating(store, changes, async (tx) => {
    const restored = await unmarkProjectDeleted(tx, projectId);
    if (!restored) throw notFound("Project awaiting deletion");
    await insertOperatorLog(tx, {
      action: "project.restored",
      projectId,
      detail: { restored_by: options.restoredBy ?? null, restored_keys: restored },
    });
    return readProject(tx, projectId);
  });
}
