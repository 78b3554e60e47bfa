import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/**
 * The bundled contract, read as data: the operations, their documented responses and an
 * ajv (JSON Schema 2020-12) compiled from the document's own components. Nothing here
 * restates a schema by hand.
 */

const BUNDLE_URL = new URL("../../../packages/types/generated/openapi.json", import.meta.url);
const CONTRACT_ID = "https://chronicle.test/contract.json";

type Json = Record<string, unknown>;

export interface DocumentedHeader {
  name: string;
  schema: Json;
  required: boolean;
}

export interface DocumentedResponse {
  status: string;
  /** Media type → schema (absolute refs into the contract). */
  content: Map<string, Json>;
  headers: DocumentedHeader[];
}

export interface ContractOperation {
  operationId: string;
  method: string;
  path: string;
  /** Matches a concrete request path; static segments win over templated ones. */
  pattern: RegExp;
  /** Names of the query parameters the operation documents. */
  queryParameters: string[];
  /** Whether the operation takes a credential (security not emptied). */
  authenticated: boolean;
  responses: Map<string, DocumentedResponse>;
}

export const document = JSON.parse(readFileSync(BUNDLE_URL, "utf8")) as Json & {
  paths: Record<string, Record<string, Json>>;
  components: Record<string, Record<string, Json>>;
};

function resolve<T>(value: T): T {
  let current: unknown = value;
  while (typeof current === "object" && current !== null && "$ref" in current) {
    const ref = (current as { $ref: string }).$ref;
    let target: unknown = document;
    for (const raw of ref.slice(2).split("/")) {
      target = (target as Json)[raw.replaceAll("~1", "/").replaceAll("~0", "~")];
    }
    current = target;
  }
  return current as T;
}

function absoluteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absoluteRefs);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === "$ref" && typeof inner === "string" && inner.startsWith("#/")
        ? `${CONTRACT_ID}${inner}`
        : absoluteRefs(inner),
    ]),
  );
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: CONTRACT_ID, components: document.components });

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates `value` against a contract schema; returns readable errors (empty when valid). */
export function schemaErrors(schema: Json, value: unknown): string[] {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(absoluteRefs(schema) as Json);
    compiled.set(key, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}

/** The contract's named schema, e.g. `Event`. */
export function componentSchema(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}

function templateToPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) =>
      segment.startsWith("{") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("/");
  return new RegExp(`^${source}$`);
}

// The order the server lists methods in its `Allow` header.
const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function documentedResponses(raw: Json): Map<string, DocumentedResponse> {
  const responses = new Map<string, DocumentedResponse>();
  for (const [status, value] of Object.entries(raw)) {
    const response = resolve(value as Json);
    const content = new Map<string, Json>();
    for (const [type, media] of Object.entries((response.content ?? {}) as Json)) {
      content.set(type, ((media as Json).schema ?? {}) as Json);
    }
    const headers = Object.entries((response.headers ?? {}) as Json).map(([name, h]) => {
      const header = resolve(h as Json);
      return {
        name,
        schema: (header.schema ?? {}) as Json,
        required: header.required === true,
      };
    });
    responses.set(status, { status, content, headers });
  }
  return responses;
}

function readOperations(): ContractOperation[] {
  const out: ContractOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const responses = documentedResponses(operation.responses as Json);
      out.push({
        operationId: operation.operationId as string,
        method: method.toUpperCase(),
        path,
        pattern: templateToPattern(path),
        queryParameters: [
          ...((item.parameters ?? []) as Json[]),
          ...((operation.parameters ?? []) as Json[]),
        ]
          .map((raw) => resolve(raw))
          .filter((parameter) => parameter.in === "query")
          .map((parameter) => parameter.name as string),
        authenticated: ((operation.security ?? document.security ?? []) as unknown[]).length > 0,
        responses,
      });
    }
  }
  const templated = (p: string) => (p.match(/\{/g) ?? []).length;
  return out.sort((a, b) => templated(a.path) - templated(b.path));
}

export const operations: ContractOperation[] = readOperations();

export function operationById(operationId: string): ContractOperation {
  const found = operations.find((o) => o.operationId === operationId);
  if (!found) throw new Error(`The contract has no operation ${operationId}`);
  return found;
}

/** The contract operation a request is routed to, or undefined for a path it does not define. */
export function matchOperation(method: string, pathname: string): ContractOperation | undefined {
  return operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(pathname));
}

/** Every documented `operationId status` pair. */
export function documentedPairs(): string[] {
  return operations.flatMap((o) => [...o.responses.keys()].map((s) => `${o.operationId} ${s}`));
}

/** The contract's paths with the methods each path item declares (`GET`, `POST`, …). */
export function declaredMethods(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths)) {
    out.set(
      path,
      METHODS.filter((method) => item[method] !== undefined).map((m) => m.toUpperCase()),
    );
  }
  return out;
}

/**
 * Answers that belong to no operation (`x-chronicle-any-path-responses`: a method a path
 * item does not declare), as an operation-shaped record so `contractViolations` can check
 * them. No credential is involved: they are answered before authentication.
 */
export function anyPathResponses(path: string, method: string): ContractOperation {
  const raw = (document["x-chronicle-any-path-responses"] ?? {}) as Json;
  return {
    operationId: `${method} ${path} (any path)`,
    method,
    path,
    pattern: templateToPattern(path),
    queryParameters: [],
    authenticated: false,
    responses: documentedResponses(raw),
  };
}
