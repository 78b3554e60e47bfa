import bundledDocument from "@chronicle/types/openapi.json" with { type: "json" };
import { unescapePointer } from "../../domain/json-pointer.js";
import { isRequiredScope, type RequiredScope } from "../../domain/scopes.js";

/** The parts of an OpenAPI 3.1 document the server reads. */
export type JsonSchema = Record<string, unknown> | boolean;

interface ParameterObject {
  name: string;
  in: "query" | "path" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
  $ref?: string;
}

interface OperationObject {
  operationId?: string;
  parameters?: ParameterObject[];
  requestBody?: {
    $ref?: string;
    required?: boolean;
    content?: Record<string, { schema?: JsonSchema }>;
  };
  "x-required-scope"?: string;
  "x-chronicle-max-body-bytes"?: number;
  [key: string]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export interface Parameter {
  name: string;
  in: "query" | "path" | "header";
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the contract, flattened for the router and the validators. */
export interface Operation {
  operationId: string;
  method: "get" | "post" | "put" | "patch" | "delete";
  /** The contract's path, `/v1/events/{event_id}`. */
  path: string;
  /** The same path in Express syntax, `/v1/events/:event_id`. */
  expressPath: string;
  requiredScope: RequiredScope;
  parameters: Parameter[];
  body: { required: boolean; schema: JsonSchema; maxBytes: number } | undefined;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** Default body limits (docs/design.md): one event 256 KiB, a batch 8 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
export const BATCH_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * The bundled contract, imported (not read from disk) so the built server carries it
 * inside its own JavaScript; each app gets its own copy.
 */
export function loadBundledDocument(): OpenApiDocument {
  return structuredClone(bundledDocument) as unknown as OpenApiDocument;
}

/** Follows a local `#/a/b` reference (repeatedly) inside the document. */
export function resolveRef<T>(document: OpenApiDocument, value: T): T {
  let current: unknown = value;
  for (let depth = 0; depth < 20; depth++) {
    if (typeof current !== "object" || current === null || !("$ref" in current)) break;
    const ref = (current as { $ref: unknown }).$ref;
    if (typeof ref !== "string" || !ref.startsWith("#/")) {
      throw new Error(`Unsupported $ref ${String(ref)} in the bundled contract`);
    }
    let target: unknown = document;
    for (const raw of ref.slice(2).split("/")) {
      const key = unescapePointer(decodeURIComponent(raw));
      target = (target as Record<string, unknown> | undefined)?.[key];
    }
    if (target === undefined) throw new Error(`Unresolvable $ref ${ref} in the bundled contract`);
    current = target;
  }
  return current as T;
}

function toExpressPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}

function parametersOf(
  document: OpenApiDocument,
  pathItem: Record<string, unknown>,
  operation: OperationObject,
): Parameter[] {
  const merged = new Map<string, Parameter>();
  const all = [
    ...((pathItem.parameters as ParameterObject[] | undefined) ?? []),
    ...(operation.parameters ?? []),
  ];
  for (const raw of all) {
    const parameter = resolveRef(document, raw);
    if (parameter.in === "cookie") continue;
    merged.set(`${parameter.in}:${parameter.name.toLowerCase()}`, {
      name: parameter.name,
      in: parameter.in,
      required: parameter.in === "path" ? true : parameter.required === true,
      schema: parameter.schema ?? {},
    });
  }
  return [...merged.values()];
}

function bodyOf(document: OpenApiDocument, operation: OperationObject): Operation["body"] {
  if (!operation.requestBody) return undefined;
  const requestBody = resolveRef(document, operation.requestBody);
  const schema = requestBody.content?.["application/json"]?.schema;
  if (schema === undefined) return undefined;
  const declared = operation["x-chronicle-max-body-bytes"];
  const fallback = operation.operationId?.toLowerCase().includes("batch")
    ? BATCH_MAX_BODY_BYTES
    : DEFAULT_MAX_BODY_BYTES;
  return {
    required: requestBody.required === true,
    schema,
    maxBytes: typeof declared === "number" ? declared : fallback,
  };
}

/**
 * The scope an operation requires. Failing closed: an operation that does not say is a
 * contract error, not a public operation, and a public one (`none`) must also say
 * `security: []`, so that the contract's two statements of it cannot disagree.
 */
function requiredScopeOf(operation: OperationObject): RequiredScope {
  const scope = operation["x-required-scope"];
  if (scope === undefined) {
    throw new Error(`${operation.operationId} has no x-required-scope`);
  }
  if (!isRequiredScope(scope)) {
    throw new Error(`${operation.operationId} has an unknown x-required-scope "${scope}"`);
  }
  const security = operation.security;
  const open = Array.isArray(security) && security.length === 0;
  if ((scope === "none") !== open) {
    throw new Error(
      `${operation.operationId}: x-required-scope "${scope}" and security ${JSON.stringify(security ?? "(the document's)")} disagree`,
    );
  }
  return scope;
}

/**
 * Every operation of the contract, static paths before parameterised ones so that
 * `/v1/events/export` is routed before `/v1/events/{event_id}`.
 */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (!operation) continue;
      if (!operation.operationId) throw new Error(`${method} ${path} has no operationId`);
      const scope = requiredScopeOf(operation);
      operations.push({
        operationId: operation.operationId,
        method,
        path,
        expressPath: toExpressPath(path),
        requiredScope: scope,
        parameters: parametersOf(document, pathItem, operation),
        body: bodyOf(document, operation),
      });
    }
  }
  const parameterCount = (p: string) => (p.match(/\{/g) ?? []).length;
  return operations.sort((a, b) => parameterCount(a.path) - parameterCount(b.path));
}
