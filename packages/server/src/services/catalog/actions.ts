import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Action, ActionDefinition, ActionSchemaList } from "@chronicle/types";
import type { ErrorObject, ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { canonicalJson } from "../../domain/canonical-json.js";
import { type FieldError, notFound, ServiceError, validationFailed } from "../../domain/errors.js";
import { escapePointer } from "../../domain/json-pointer.js";
import type { Page } from "../../domain/types.js";
import {
  type ActionRow,
  type DefinedActionRow,
  insertActionSchema,
  lockAction,
  selectActionSchemas,
  selectActions,
  selectDefinedCatalog,
  upsertActionDefinition,
} from "../../store/catalog.js";
import type { Store } from "../../store/types.js";
import type { PreparedEvent } from "../events/event-prepare.js";
import { cacheInvalidation, transactionInvalidating } from "../system/cache-invalidation.js";
import { CATALOG_CACHE } from "./catalog-cache.js";
import {
  METADATA_VALIDATION_BUDGET,
  metadataSchemaErrors,
  re2Engine,
  schemaWeight,
} from "./metadata-schema.js";

/**
 * Patterns run on RE2 (linear time): no tenant's regex can hold the event loop. The Ajv
 * instances are the process's, shared by every project: a schema's `$id` is not registered
 * in them (`addUsedSchema`), or the first schema to name an `$id` would refuse any other one
 * naming it, in every project (a schema's `$ref`s stay inside it: metadata-schema.ts).
 */
const options = { strict: false, addUsedSchema: false, code: { regExp: re2Engine } } as const;
/** Stops at the first error: what every event pays. */
const firstErrorAjv = new Ajv2020({ ...options, allErrors: false });
/** Every error, for the pointers of an invalid event whose metadata is small (see below). */
const allErrorsAjv = new Ajv2020({ ...options, allErrors: true });
addFormats(firstErrorAjv);
addFormats(allErrorsAjv);
/** Validation of a batch gives other requests a turn at least this often (milliseconds). */
const VALIDATION_SLICE_MS = 10;
/**
 * Listing every error costs one error object per failing (subschema, value) pair, which a
 * large metadata value against a wide schema turns into millions: above this many values,
 * an invalid event reports its first error only.
 */
const ALL_ERRORS_MAX_VALUES = 200;
const MAX_ERRORS_PER_EVENT = 20;

interface MetadataValidators {
  first: ValidateFunction;
  all: ValidateFunction;
  /** How many metadata values one event may hold within the validation budget. */
  maxValues: number;
}

const compiled = new Map<string, MetadataValidators>();

/** Compiles (once per distinct schema) or throws 422 at /metadata_schema. */
function validatorFor(schema: Record<string, unknown>): MetadataValidators {
  const key = canonicalJson(schema);
  let validators = compiled.get(key);
  if (!validators) {
    try {
      validators = {
        first: firstErrorAjv.compile(schema),
        all: allErrorsAjv.compile(schema),
        maxValues: Math.floor(METADATA_VALIDATION_BUDGET / schemaWeight(schema)),
      };
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
    compiled.set(key, validators);
  }
  return validators;
}

/** Arrays, objects and scalars in a value, counted up to `limit`. */
function valuesIn(value: unknown, limit: number): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && count <= limit) {
    const node = pending.pop();
    count++;
    if (typeof node === "object" && node !== null) pending.push(...Object.values(node));
  }
  return count;
}

/** The errors of an invalid event: all of them when its metadata is small, else the first. */
function errorsOf(validators: MetadataValidators, metadata: unknown): ErrorObject[] {
  if (valuesIn(metadata, ALL_ERRORS_MAX_VALUES) <= ALL_ERRORS_MAX_VALUES) {
    validators.all(metadata);
    return (validators.all.errors ?? []).slice(0, MAX_ERRORS_PER_EVENT);
  }
  return validators.first.errors ?? [];
}

function pointerOf(error: ErrorObject, base: string): string {
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  const child = missing ?? extra;
  const escaped = child === undefined ? undefined : escapePointer(child);
  return `${base}${error.instancePath}${escaped === undefined ? "" : `/${escaped}`}`;
}

/** A project's catalog as ingest needs it: the mode and the defined actions. */
interface CatalogView {
  mode: "open" | "strict";
  defined: Map<string, DefinedActionRow>;
}

/**
 * The project's catalog from the in-process cache (services/system/cache-invalidation.ts):
 * every change to it (an action defined, the mode changed, the project deleted) evicts the
 * project on every replica, so ingest reads no catalog rows in the steady state.
 */
async function catalogOf(store: Store, projectId: string): Promise<CatalogView | undefined> {
  const cache = cacheInvalidation(store).cache<CatalogView>(CATALOG_CACHE);
  return cache.get(projectId, async () => {
    const catalog = await selectDefinedCatalog(store, projectId);
    if (!catalog) return undefined;
    const defined = new Map(catalog.actions.map((row) => [row.action, row]));
    return { group: projectId, value: { mode: catalog.mode, defined } };
  });
}

/** What the catalog says of a batch that passed it. */
export interface CatalogVerdict {
  /** The earliest deprecation among the batch's actions (RFC 9745 `Deprecation`), if any. */
  deprecatedAt: Date | null;
}

function unknownActions(
  prepared: PreparedEvent[],
  catalog: CatalogView,
  pointerPrefix: (index: number) => string,
): FieldError[] {
  if (catalog.mode !== "strict") return [];
  return prepared.flatMap((item, index) =>
    catalog.defined.has(item.content.action)
      ? []
      : [
          {
            pointer: `${pointerPrefix(index)}/action`,
            detail: `"${item.content.action}" is not defined in this project's strict catalog`,
            code: "unknown_action",
          },
        ],
  );
}

function earliestDeprecation(prepared: PreparedEvent[], catalog: CatalogView): Date | null {
  let earliest: Date | null = null;
  for (const item of prepared) {
    const at = catalog.defined.get(item.content.action)?.deprecated_at;
    if (!at) continue;
    const date = new Date(at);
    if (earliest === null || date < earliest) earliest = date;
  }
  return earliest;
}

/**
 * Checks a batch against the project's catalog: in a strict catalog every action must be
 * defined (422 unknown_action), and metadata must satisfy its action's schema (422 with
 * pointers). Each event with a schema gets the version it was validated against.
 */
export async function validateAgainstCatalog(
  store: Store,
  projectId: string,
  prepared: PreparedEvent[],
  pointerPrefix: (index: number) => string,
): Promise<CatalogVerdict> {
  const catalog = await catalogOf(store, projectId);
  if (!catalog) return { deprecatedAt: null };
  const unknown = unknownActions(prepared, catalog, pointerPrefix);
  if (unknown.length > 0) {
    throw new ServiceError(
      "unknown_action",
      "The project's catalog is strict: define an action with PUT /v1/actions/{action} before recording it",
      { errors: unknown },
    );
  }
  const errors: FieldError[] = [];
  let sliceStart = performance.now();
  for (const [index, item] of prepared.entries()) {
    const definition = catalog.defined.get(item.content.action);
    const schema = definition?.metadata_schema;
    if (!schema) continue;
    item.content.schema_version = definition.schema_version;
    if (performance.now() - sliceStart > VALIDATION_SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const validators = validatorFor(schema);
    if (valuesIn(item.content.metadata, validators.maxValues) > validators.maxValues) {
      errors.push({
        pointer: `${pointerPrefix(index)}/metadata`,
        detail: `must hold at most ${validators.maxValues} values to be checked against this action's schema (the schema's weight times the values is bounded)`,
        code: "maxSize",
      });
      continue;
    }
    if (validators.first(item.content.metadata)) continue;
    for (const error of errorsOf(validators, item.content.metadata)) {
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
  return { deprecatedAt: earliestDeprecation(prepared, catalog) };
}

function toCatalogAction(row: ActionRow): Action {
  return {
    action: row.action,
    description: row.description,
    metadata_schema: row.metadata_schema,
    defined: row.defined_at !== null,
    schema_version: row.schema_version === null ? null : Number(row.schema_version),
    deprecated_at: row.deprecated_at ? new Date(row.deprecated_at).toISOString() : null,
    count: Number(row.count),
    first_seen_at: row.first_seen_at ? new Date(row.first_seen_at).toISOString() : null,
    last_seen_at: row.last_seen_at ? new Date(row.last_seen_at).toISOString() : null,
  };
}

/**
 * Defines (or redefines) an action; from now on its events' metadata must match. A schema
 * that differs from the current one becomes the next version.
 */
export async function defineAction(
  store: Store,
  projectId: string,
  action: string,
  definition: ActionDefinition,
): Promise<Action> {
  const schema = definition.metadata_schema ?? null;
  if (schema !== null) {
    const errors = metadataSchemaErrors(schema, "/metadata_schema");
    if (errors.length > 0) {
      throw validationFailed(errors, "The metadata schema is outside what Chronicle evaluates");
    }
    validatorFor(schema);
  }
  const change = { cache: CATALOG_CACHE, group: projectId };
  return transactionInvalidating(store, change, async (tx) => {
    const current = await lockAction(tx, projectId, action);
    let schemaVersion: number | null = null;
    if (schema !== null) {
      const unchanged =
        current?.metadata_schema != null &&
        canonicalJson(current.metadata_schema) === canonicalJson(schema);
      schemaVersion = unchanged
        ? Number(current?.schema_version)
        : await insertActionSchema(tx, projectId, action, schema);
    }
    const row = await upsertActionDefinition(tx, projectId, action, {
      description: definition.description ?? null,
      metadataSchema: schema,
      deprecated: definition.deprecated,
      schemaVersion,
    });
    if (!row) throw notFound("Project");
    return toCatalogAction(row);
  });
}

/** Every schema version of an action, newest first; 404 when the catalog lacks it. */
export async function listActionSchemas(
  store: Store,
  projectId: string,
  action: string,
): Promise<ActionSchemaList> {
  const rows = await selectActionSchemas(store, projectId, action);
  if (!rows) throw notFound("Action");
  return {
    data: rows.map((row) => ({
      version: Number(row.version),
      metadata_schema: row.metadata_schema,
      created_at: new Date(row.created_at).toISOString(),
    })),
    has_more: false,
    next_cursor: null,
    prev_cursor: null,
  };
}

/** Every action seen or defined in the project, alphabetically. */
export async function listActions(store: Store, projectId: string): Promise<Page<Action>> {
  const rows = await selectActions(store, projectId);
  return {
    data: rows.map(toCatalogAction),
    has_more: false,
    next_cursor: null,
    prev_cursor: null,
  };
}
