import type { ActionSchema } from "@chronicle/types";
import type { Queryable } from "./types.js";

/** An action of a project's catalog: defined, seen in events, or both. */
export interface ActionRow {
  action: string;
  description: string | null;
  metadata_schema: Record<string, unknown> | null;
  defined_at: Date | null;
  schema_version: number | null;
  deprecated_at: Date | null;
  count: number;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
}

export interface ActionDefinitionRow {
  description: string | null;
  metadataSchema: Record<string, unknown> | null;
  /** true deprecates (keeping the first time), false lifts it, undefined leaves it. */
  deprecated: boolean | undefined;
}

/** A defined action as ingest checks events against it. */
export interface DefinedActionRow {
  action: string;
  metadata_schema: Record<string, unknown> | null;
  schema_version: number | null;
  deprecated_at: Date | null;
}

/** A stored metadata schema version: the contract's ActionSchema, its time as the driver reads it. */
export type ActionSchemaRow = Omit<ActionSchema, "created_at"> & { created_at: Date };

const ACTION_COLUMNS = `action, description, metadata_schema, defined_at, schema_version,
  deprecated_at, count, first_seen_at, last_seen_at`;

/** The project's catalog mode and its defined actions; undefined when there is no project. */
export async function selectDefinedCatalog(
  db: Queryable,
  projectId: string,
): Promise<{ mode: "open" | "strict"; actions: DefinedActionRow[] } | undefined> {
  const [project] = await db.query<{ catalog: "open" | "strict" }>(
    "SELECT catalog FROM projects WHERE project_id = $1",
    [projectId],
  );
  if (!project) return undefined;
  const actions = await db.query<DefinedActionRow>(
    `SELECT action, metadata_schema, schema_version, deprecated_at FROM actions
     WHERE project_id = $1 AND defined_at IS NOT NULL`,
    [projectId],
  );
  return { mode: project.catalog, actions };
}

/**
 * The action, locked for the rest of the transaction; undefined when there is no such
 * project. An action the catalog lacks gets its row first (neither defined nor seen, and
 * gone with a rollback), so that concurrent first definitions take turns on it instead of
 * each numbering its schema version 1.
 */
export async function lockAction(
  tx: Queryable,
  projectId: string,
  action: string,
): Promise<ActionRow | undefined> {
  await tx.query(
    `INSERT INTO actions (project_id, action)
     SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM projects WHERE project_id = $1)
     ON CONFLICT (project_id, action) DO NOTHING`,
    [projectId, action],
  );
  const [row] = await tx.query<ActionRow>(
    `SELECT ${ACTION_COLUMNS} FROM actions WHERE project_id = $1 AND action = $2 FOR UPDATE`,
    [projectId, action],
  );
  return row;
}

/** Records a new schema version of the action; returns its number. */
export async function insertActionSchema(
  tx: Queryable,
  projectId: string,
  action: string,
  schema: Record<string, unknown>,
): Promise<number> {
  const [row] = await tx.query<{ version: number }>(
    `INSERT INTO action_schemas (project_id, action, version, metadata_schema)
     SELECT $1, $2, coalesce(max(version), 0) + 1, $3::jsonb FROM action_schemas
     WHERE project_id = $1 AND action = $2
     RETURNING version`,
    [projectId, action, JSON.stringify(schema)],
  );
  return Number(row?.version);
}

/** Defines or redefines the action when the project exists; undefined when it does not. */
export async function upsertActionDefinition(
  db: Queryable,
  projectId: string,
  action: string,
  definition: ActionDefinitionRow & { schemaVersion: number | null },
): Promise<ActionRow | undefined> {
  const [row] = await db.query<ActionRow>(
    `INSERT INTO actions (project_id, action, description, metadata_schema, schema_version,
       deprecated_at, defined_at)
     SELECT $1, $2, $3, $4::jsonb, $5, CASE WHEN $6::boolean THEN now() END, now()
     WHERE EXISTS (SELECT 1 FROM projects WHERE project_id = $1)
     ON CONFLICT (project_id, action) DO UPDATE SET
       description = excluded.description,
       metadata_schema = excluded.metadata_schema,
       schema_version = excluded.schema_version,
       deprecated_at = CASE
         WHEN $6::boolean IS NULL THEN actions.deprecated_at
         WHEN $6::boolean THEN coalesce(actions.deprecated_at, now())
       END,
       defined_at = excluded.defined_at
     RETURNING ${ACTION_COLUMNS}`,
    [
      projectId,
      action,
      definition.description,
      definition.metadataSchema === null ? null : JSON.stringify(definition.metadataSchema),
      definition.schemaVersion,
      definition.deprecated ?? null,
    ],
  );
  return row;
}

/** Every action of the project, alphabetically. */
export async function selectActions(db: Queryable, projectId: string): Promise<ActionRow[]> {
  return db.query<ActionRow>(
    `SELECT ${ACTION_COLUMNS}
     FROM actions WHERE project_id = $1 ORDER BY action`,
    [projectId],
  );
}

/** The action's schema versions, newest first; undefined when the catalog lacks the action. */
export async function selectActionSchemas(
  db: Queryable,
  projectId: string,
  action: string,
): Promise<ActionSchemaRow[] | undefined> {
  const known = await db.query("SELECT 1 FROM actions WHERE project_id = $1 AND action = $2", [
    projectId,
    action,
  ]);
  if (known.length === 0) return undefined;
  return db.query<ActionSchemaRow>(
    `SELECT version, metadata_schema, created_at FROM action_schemas
     WHERE project_id = $1 AND action = $2 ORDER BY version DESC`,
    [projectId, action],
  );
}
