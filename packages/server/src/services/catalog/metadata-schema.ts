import type { RegExpEngine } from "ajv/dist/types/index.js";
import { RE2JS } from "re2js";
import type { FieldError } from "../../domain/errors.js";
import { escapePointer, unescapePointer } from "../../domain/json-pointer.js";

/**
 * What a tenant may define as an action's metadata schema (docs/guides/action-catalog.md,
 * "Limits"). Every event of the action is validated against it, so the work it can cause
 * per event is bounded here, at definition time: size, depth, references that cannot
 * multiply, patterns a linear-time engine runs, and no quadratic `uniqueItems`.
 */
export const METADATA_SCHEMA_MAX_BYTES = 32 * 1024;
export const METADATA_SCHEMA_MAX_DEPTH = 32;
/**
 * Subschemas and patterns counted with every `$ref` expanded in place. Each is applied at
 * most once per metadata value, so these bound an event's validation work (measured in
 * docs/design.md, "Input limits"): patterns most, as a linear-time engine pays a few
 * microseconds per string.
 */
export const METADATA_SCHEMA_MAX_SUBSCHEMAS = 500;
export const METADATA_SCHEMA_MAX_PATTERNS = 16;
/** A pattern costs about as much per string as this many plain subschemas (measured). */
const PATTERN_WEIGHT = 8;
/**
 * Per event, (values in its metadata) × (the schema's weight) may not exceed this: about
 * 100 ms of validation at worst on a loaded two-core machine, far above any ordinary event
 * (50 values against a 40-subschema schema weigh 2,000).
 */
export const METADATA_VALIDATION_BUDGET = 400_000;

/** Subschemas plus weighted patterns, `$ref`s expanded: an event's work per metadata value. */
export function schemaWeight(schema: JsonObject): number {
  const size = expandedSize(schema);
  return Math.max(1, size.subschemas + PATTERN_WEIGHT * size.patterns);
}
/** `uniqueItems` compares every pair unless the items are scalars; this bounds the pairs. */
export const UNIQUE_ITEMS_MAX_ITEMS = 100;

/**
 * Ajv's regular-expression engine for metadata schemas: RE2 semantics (re2js, a pure-JS port
 * of RE2/J), matching in time linear in the input whatever the pattern. Pure JS rather than
 * the native `re2` binding: nothing to compile or download at install, and it runs wherever
 * the server does. Patterns are written in ECMAScript syntax; translateRegExp maps the parts
 * RE2 spells differently (`\u00e9`, named groups).
 */
export const re2Engine: RegExpEngine = Object.assign(
  (pattern: string, _flags: string) => RE2JS.compile(RE2JS.translateRegExp(pattern)),
  { code: "re2js" },
);

const SCALAR_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);
const UNSUPPORTED_REFERENCES = ["$dynamicRef", "$recursiveRef"];
/** Keywords whose value maps names (or patterns) to subschemas. */
const NAME_MAPS = new Set([
  "properties",
  "patternProperties",
  "dependentSchemas",
  "$defs",
  "definitions",
]);

type Json = unknown;
type JsonObject = Record<string, Json>;
const isObject = (value: Json): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The value at a local `#/…` reference, or undefined. */
function resolveLocal(root: Json, reference: string): Json {
  if (reference === "#") return root;
  if (!reference.startsWith("#/")) return undefined;
  let node: Json = root;
  for (const raw of reference.slice(2).split("/")) {
    const segment = unescapePointer(decodeURIComponent(raw));
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node) && Object.hasOwn(node, segment)) node = node[segment];
    else return undefined;
  }
  return node;
}

function patternError(pattern: Json, pointer: string): FieldError | null {
  if (typeof pattern !== "string") return null;
  try {
    re2Engine(pattern, "u");
    return null;
  } catch (error) {
    return {
      pointer,
      detail:
        "is not a pattern the linear-time (RE2) engine accepts: backreferences, lookahead and " +
        `lookbehind are not supported (${(error as Error).message})`,
      code: "pattern",
    };
  }
}

function uniqueItemsError(node: JsonObject, pointer: string): FieldError | null {
  if (node.uniqueItems !== true) return null;
  const items = node.items;
  const itemTypes = isObject(items)
    ? Array.isArray(items.type)
      ? items.type
      : items.type === undefined
        ? []
        : [items.type]
    : [];
  const scalarItems =
    itemTypes.length > 0 && itemTypes.every((type) => SCALAR_TYPES.has(String(type)));
  const fewItems = typeof node.maxItems === "number" && node.maxItems <= UNIQUE_ITEMS_MAX_ITEMS;
  if (scalarItems || fewItems) return null;
  return {
    pointer: `${pointer}/uniqueItems`,
    detail: `needs items of a scalar type or maxItems <= ${UNIQUE_ITEMS_MAX_ITEMS} (it compares every pair of items)`,
    code: "uniqueItems",
  };
}

/**
 * Everything in a metadata schema that could make one event cost more than a bounded
 * amount of CPU, with pointers relative to `base` (`/metadata_schema`). Empty when the
 * schema keeps every limit. The body it came in is already at most 64 levels deep, so the
 * recursion here is bounded.
 */
export function metadataSchemaErrors(schema: JsonObject, base: string): FieldError[] {
  const bytes = Buffer.byteLength(JSON.stringify(schema), "utf8");
  if (bytes > METADATA_SCHEMA_MAX_BYTES) {
    return [
      {
        pointer: base,
        detail: `must be at most ${METADATA_SCHEMA_MAX_BYTES} bytes serialised (got ${bytes})`,
        code: "maxSize",
      },
    ];
  }
  const errors: FieldError[] = [];
  const visit = (node: Json, pointer: string, depth: number, parentKey: string | null) => {
    if (errors.length >= 20) return;
    if (depth > METADATA_SCHEMA_MAX_DEPTH) {
      errors.push({
        pointer,
        detail: `must not nest deeper than ${METADATA_SCHEMA_MAX_DEPTH} levels`,
        code: "maxDepth",
      });
      return;
    }
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries())
        visit(item, `${pointer}/${index}`, depth + 1, null);
      return;
    }
    if (!isObject(node)) return;
    // Members of `properties`, `patternProperties`, `$defs`, `enum`… are names or data,
    // not keywords: only their values are schemas to look into.
    const keywords = !NAME_MAPS.has(parentKey ?? "");
    for (const [key, value] of Object.entries(node)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (keywords) {
        if (key === "pattern") {
          const error = patternError(value, at);
          if (error) errors.push(error);
        } else if (key === "patternProperties" && isObject(value)) {
          for (const name of Object.keys(value)) {
            const error = patternError(name, `${at}/${escapePointer(name)}`);
            if (error) errors.push(error);
          }
        } else if (UNSUPPORTED_REFERENCES.includes(key)) {
          errors.push({
            pointer: at,
            detail: "is not supported; use $ref to #/$defs/…",
            code: key,
          });
        } else if (
          key === "$ref" &&
          typeof value === "string" &&
          resolveLocal(schema, value) === undefined
        ) {
          errors.push({
            pointer: at,
            detail: "must point inside this schema (#/$defs/…)",
            code: "$ref",
          });
        } else if (key === "enum" || key === "const" || key === "examples" || key === "default") {
          continue;
        }
      }
      visit(value, at, depth + 1, keywords ? key : null);
    }
    if (keywords) {
      const error = uniqueItemsError(node, pointer);
      if (error) errors.push(error);
    }
  };
  visit(schema, base, 0, null);
  if (errors.length > 0) return errors;
  const expanded = expandedSize(schema);
  if (expanded.cycle !== undefined) {
    return [
      {
        pointer: `${base}${expanded.cycle}`,
        detail: "must not refer back to itself (recursive schemas are not supported)",
        code: "$ref",
      },
    ];
  }
  if (expanded.patterns > METADATA_SCHEMA_MAX_PATTERNS) {
    return [
      {
        pointer: base,
        detail: `must have at most ${METADATA_SCHEMA_MAX_PATTERNS} patterns with every $ref expanded`,
        code: "maxSize",
      },
    ];
  }
  if (expanded.subschemas > METADATA_SCHEMA_MAX_SUBSCHEMAS) {
    return [
      {
        pointer: base,
        detail: `must have at most ${METADATA_SCHEMA_MAX_SUBSCHEMAS} subschemas with every $ref expanded`,
        code: "maxSize",
      },
    ];
  }
  return [];
}

interface Expanded {
  subschemas: number;
  patterns: number;
}

/**
 * Objects and patterns in the schema with every local `$ref` counted as a copy of its target:
 * what Ajv's generated code effectively walks per event. A reference cycle is reported rather
 * than counted (with alternatives such as anyOf it would multiply work by the data's depth).
 */
function expandedSize(schema: JsonObject): Expanded & { cycle?: string } {
  const over = (size: Expanded) =>
    size.subschemas > METADATA_SCHEMA_MAX_SUBSCHEMAS ||
    size.patterns > METADATA_SCHEMA_MAX_PATTERNS;
  const add = (into: Expanded, more: Expanded) => {
    into.subschemas += more.subschemas;
    into.patterns += more.patterns;
  };
  const memo = new Map<string, Expanded>();
  const visiting = new Set<string>();
  let cycle: string | undefined;
  const sizeAt = (reference: string, from: string): Expanded => {
    const known = memo.get(reference);
    if (known !== undefined) return known;
    if (visiting.has(reference)) {
      cycle ??= from;
      return { subschemas: 0, patterns: 0 };
    }
    visiting.add(reference);
    const size = sizeOf(
      resolveLocal(schema, reference),
      reference === "#" ? "" : reference.slice(1),
      null,
    );
    visiting.delete(reference);
    memo.set(reference, size);
    return size;
  };
  const sizeOf = (node: Json, pointer: string, parentKey: string | null): Expanded => {
    const size = { subschemas: 0, patterns: 0 };
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) {
        add(size, sizeOf(item, `${pointer}/${index}`, null));
        if (over(size) || cycle) break;
      }
      return size;
    }
    if (!isObject(node)) return size;
    const keywords = !NAME_MAPS.has(parentKey ?? "");
    if (keywords) size.subschemas = 1;
    for (const [key, value] of Object.entries(node)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (keywords) {
        // $defs are counted where they are referenced, not where they are written.
        if (key === "$defs" || key === "definitions") continue;
        if (key === "enum" || key === "const" || key === "examples" || key === "default") continue;
        if (key === "pattern" && typeof value === "string") size.patterns++;
        if (key === "patternProperties" && isObject(value))
          size.patterns += Object.keys(value).length;
        if (key === "$ref" && typeof value === "string") {
          add(size, sizeAt(value, at));
          if (over(size) || cycle) break;
          continue;
        }
      }
      add(size, sizeOf(value, at, keywords ? key : null));
      if (over(size) || cycle) break;
    }
    return size;
  };
  const size = sizeAt("#", "");
  return cycle === undefined ? size : { ...size, cycle };
}
