import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Action, ActionDefinition } from "@chronicle/types";
import type { ErrorObject, ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import canonicalize from "canonicalize";
import { type FieldError, notFound, validationFailed } from "../../domain/errors.js";
import { escapePointer } from "../../domain/json-pointer.js";
import type { Page } from "../../domain/types.js";
import {
  type ActionRow,
  selectActions,
  selectMetadataSchemas,
  upsertActionDefinition,
} from "../../store/catalog.js";
import type { Store } from "../../store/types.js";
import type { PreparedEvent } from "../events/event-prepare.js";
import {
  METADATA_VALIDATION_BUDGET,
  metadataSchemaErrors,
  re2Engine,
  schemaWeight,
} from "./metadata-schema.js";

/** Patterns run on RE2 (linear time): no tenant's regex can hold the event loop. */
const options = { strict: false, code: { regExp: re2Engine } } as const;
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
  const key = canonicalize(schema) ?? "";
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

/** 422 with pointers when an event's metadata breaks its action's defined schema. */
export async function validateAgainstCatalog(
  store: Store,
  projectId: string,
  prepared: PreparedEvent[],
  pointerPrefix: (index: number) => string,
): Promise<void> {
  const actions = [...new Set(prepared.map((item) => item.content.action))];
  const rows = await selectMetadataSchemas(store, projectId, actions);
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
}

function toCatalogAction(row: ActionRow): Action {
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
): Promise<Action> {
  const schema = definition.metadata_schema ?? null;
  if (schema !== null) {
    const errors = metadataSchemaErrors(schema, "/metadata_schema");
    if (errors.length > 0) {
      throw validationFailed(errors, "The metadata schema is outside what Chronicle evaluates");
    }
    validatorFor(schema);
  }
  const row = await upsertActionDefinition(store, projectId, action, {
    description: definition.description ?? null,
    metadataSchema: schema,
  });
  if (!row) throw notFound("Project");
  return toCatalogAction(row);
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
