import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { ErrorObject, ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import canonicalize from "canonicalize";
import { type FieldError, notFound, validationFailed } from "../domain/errors.js";
import type { ActionDefinition, CatalogAction, Page } from "../domain/types.js";
import type { Store } from "../store/types.js";
import type { PreparedEvent } from "./event-prepare.js";
import { metadataSchemaErrors, re2Engine } from "./metadata-schema.js";

/** Patterns run on RE2 (linear time): no tenant's regex can hold the event loop. */
const ajv = new Ajv2020({ allErrors: true, strict: false, code: { regExp: re2Engine } });
/** Validation of a batch gives other requests a turn at least this often (milliseconds). */
const VALIDATION_SLICE_MS = 10;
addFormats(ajv);

const compiled = new Map<string, ValidateFunction>();

/** Compiles (once per distinct schema) or throws 422 at /metadata_schema. */
function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = canonicalize(schema) ?? "";
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw validationFailed([
        {
          pointer: "/metadata_schema",
          detail: `is not a valid JSON Schema (2020-12): ${(error as Error).message}`,
          code: "schema",
        },
      ]);
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

function pointerOf(error: ErrorObject, base: string): string {
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  const child = missing ?? extra;
  const escaped = child?.replaceAll("~", "~0").replaceAll("/", "~1");
  return `${base}${error.instancePath}${escaped === undefined ? "" : `/${escaped}`}`;
}

/** 422 with pointers when an event's metadata breaks its action's defined schema. */
export async function validateAgainstCatalog(
  store: Store,
  projectId: string,
  prepared: PreparedEvent[],
  pointerPrefix: (index: number) => string,
): Promise<void> {
  const actions = [...new Set(prepared.map((item) => item.content.action))];
  const rows = await store.query<{ action: string; metadata_schema: Record<string, unknown> }>(
    `SELECT action, metadata_schema FROM actions
     WHERE project_id = $1 AND action = ANY($2::text[]) AND metadata_schema IS NOT NULL`,
    [projectId, actions],
  );
  if (rows.length === 0) return;
  const schemas = new Map(rows.map((row) => [row.action, row.metadata_schema]));
  const errors: FieldError[] = [];
  let sliceStart = performance.now();
  for (const [index, item] of prepared.entries()) {
    const schema = schemas.get(item.content.action);
    if (!schema) continue;
    if (performance.now() - sliceStart > VALIDATION_SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const validate = validatorFor(schema);
    if (validate(item.content.metadata)) continue;
    for (const error of validate.errors ?? []) {
      errors.push({
        pointer: pointerOf(error, `${pointerPrefix(index)}/metadata`),
        detail: error.message ?? "is invalid",
        code: error.keyword,
      });
    }
  }
  if (errors.length > 0) {
    throw validationFailed(errors, "The metadata breaks the schema defined for its action");
  }
}

interface ActionRow {
  action: string;
  description: string | null;
  metadata_schema: Record<string, unknown> | null;
  defined_at: Date | null;
  count: number;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
}

function toCatalogAction(row: ActionRow): CatalogAction {
  return {
    action: row.action,
    description: row.description,
    metadata_schema: row.metadata_schema,
    defined: row.defined_at !== null,
    count: Number(row.count),
    first_seen_at: row.first_seen_at ? new Date(row.first_seen_at).toISOString() : null,
    last_seen_at: row.last_seen_at ? new Date(row.last_seen_at).toISOString() : null,
  };
}

/** Defines (or redefines) an action; from now on its events' metadata must match. */
export async function defineAction(
  store: Store,
  projectId: string,
  action: string,
  definition: ActionDefinition,
): Promise<CatalogAction> {
  const schema = definition.metadata_schema ?? null;
  if (schema !== null) {
    const errors = metadataSchemaErrors(schema, "/metadata_schema");
    if (errors.length > 0) {
      throw validationFailed(errors, "The metadata schema is outside what Chronicle evaluates");
    }
    validatorFor(schema);
  }
  const [row] = await store.query<ActionRow>(
    `INSERT INTO actions (project_id, action, description, metadata_schema, defined_at)
     SELECT $1, $2, $3, $4::jsonb, now() WHERE EXISTS (SELECT 1 FROM projects WHERE project_id = $1)
     ON CONFLICT (project_id, action) DO UPDATE SET
       description = excluded.description,
       metadata_schema = excluded.metadata_schema,
       defined_at = excluded.defined_at
     RETURNING action, description, metadata_schema, defined_at, count, first_seen_at, last_seen_at`,
    [
      projectId,
      action,
      definition.description ?? null,
      schema === null ? null : JSON.stringify(schema),
    ],
  );
  if (!row) throw notFound("Project");
  return toCatalogAction(row);
}

/** Every action seen or defined in the project, alphabetically. */
export async function listActions(store: Store, projectId: string): Promise<Page<CatalogAction>> {
  const rows = await store.query<ActionRow>(
    `SELECT action, description, metadata_schema, defined_at, count, first_seen_at, last_seen_at
     FROM actions WHERE project_id = $1 ORDER BY action`,
    [projectId],
  );
  return {
    data: rows.map(toCatalogAction),
    has_more: false,
    next_cursor: null,
    prev_cursor: null,
  };
}
