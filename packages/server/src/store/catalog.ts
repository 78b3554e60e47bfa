import type { Queryable } from "./types.js";

/** An action of a project's catalog: defined, seen in events, or both. */
export interface ActionRow {
  action: string;
  description: string | null;
  metadata_schema: Record<string, unknown> | null;
  defined_at: Date | null;
  count: number;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
}

export interface ActionDefinitionRow {
  description: string | null;
  metadataSchema: Record<string, unknown> | null;
}

const ACTION_COLUMNS =
  "action, description, metadata_schema, defined_at, count, first_seen_at, last_seen_at";

/** The metadata schemas defined for these actions (actions without one are left out). */
export async function selectMetadataSchemas(
  db: Queryable,
  projectId: string,
  actions: readonly string[],
): Promise<{ action: string; metadata_schema: Record<string, unknown> }[]> {
  return db.query<{ action: string; metadata_schema: Record<string, unknown> }>(
    `SELECT action, metadata_schema FROM actions
     WHERE project_id = $1 AND action = ANY($2::text[]) AND metadata_schema IS NOT NULL`,
    [projectId, actions],
  );
}

/** Defines or redefines the action when the project exists; undefined when it does not. */
export async function upsertActionDefinition(
  db: Queryable,
  projectId: string,
  action: string,
  definition: ActionDefinitionRow,
): Promise<ActionRow | undefined> {
  const [row] = await db.query<ActionRow>(
    `INSERT INTO actions (project_id, action, description, metadata_schema, defined_at)
     SELECT $1, $2, $3, $4::jsonb, now() WHERE EXISTS (SELECT 1 FROM projects WHERE project_id = $1)
     ON CONFLICT (project_id, action) DO UPDATE SET
       description = excluded.description,
       metadata_schema = excluded.metadata_schema,
       defined_at = excluded.defined_at
     RETURNING ${ACTION_COLUMNS}`,
    [
      projectId,
      action,
      definition.description,
      definition.metadataSchema === null ? null : JSON.stringify(definition.metadataSchema),
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
