import type { ErrorObject, ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { type FieldError, ServiceError } from "../../domain/errors.js";
import { escapePointer } from "../../domain/json-pointer.js";
import { storableDateTime, unsafeIntegers, unstorableText } from "../../domain/storable.js";
import type { JsonSchema, OpenApiDocument, Operation, Parameter } from "./contract.js";

export const CONTRACT_ID = "https://chronicle.dev/contract.json";

/** The validated, coerced input of one request. */
export interface ValidatedInput {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  header: Record<string, unknown>;
  body: unknown;
}

export interface OperationValidator {
  /** Throws `400 invalid_parameter` with `/query/limit`-style pointers. */
  parameters(raw: {
    path: Record<string, unknown>;
    query: Record<string, unknown>;
    header: (name: string) => string | undefined;
  }): Omit<ValidatedInput, "body">;
  /** Throws `422 validation_failed` with JSON pointers into the body. */
  body(value: unknown): unknown;
}

/** Rewrites the document's local `#/…` refs so a standalone schema can reach them. */
export function absoluteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absoluteRefs);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      key === "$ref" && typeof inner === "string" && inner.startsWith("#/")
        ? `${CONTRACT_ID}${inner}`
        : absoluteRefs(inner);
  }
  return out;
}

export function fieldErrors(
  errors: ErrorObject[] | null | undefined,
  prefix: string,
): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of errors ?? []) {
    let pointer = `${prefix}${error.instancePath}`;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === "required" && typeof params.missingProperty === "string") {
      pointer += `/${escapePointer(params.missingProperty)}`;
    } else if (
      error.keyword === "additionalProperties" &&
      typeof params.additionalProperty === "string"
    ) {
      pointer += `/${escapePointer(params.additionalProperty)}`;
    }
    let detail = error.message ?? "is invalid";
    if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
      detail = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    } else if (error.keyword === "additionalProperties") {
      detail = "is not allowed";
    } else if (error.keyword === "required") {
      detail = "is required";
    }
    const key = `${pointer}\u0000${error.keyword}\u0000${detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer, detail, code: error.keyword });
  }
  return out;
}

function locationSchema(parameters: Parameter[], strict: boolean): JsonSchema {
  return {
    type: "object",
    properties: Object.fromEntries(parameters.map((p) => [p.name, absoluteRefs(p.schema)])),
    required: parameters.filter((p) => p.required).map((p) => p.name),
    additionalProperties: !strict,
  };
}

/** Compiles one validator per operation from the bundled contract; nothing is restated. */
export function createValidators(
  document: OpenApiDocument,
  operations: Operation[],
): Map<string, OperationValidator> {
  const common = { strict: false, allErrors: true, discriminator: true } as const;
  const parameterAjv = new Ajv2020({ ...common, coerceTypes: "array", useDefaults: true });
  const bodyAjv = new Ajv2020({ ...common });
  for (const ajv of [parameterAjv, bodyAjv]) {
    addFormats(ajv);
    ajv.addFormat("date-time", { type: "string", validate: storableDateTime });
    ajv.addSchema({ $id: CONTRACT_ID, components: document.components ?? {} });
  }

  const validators = new Map<string, OperationValidator>();
  for (const operation of operations) {
    const byLocation = (where: Parameter["in"]) =>
      operation.parameters.filter((p) => p.in === where);
    const headerParameters = byLocation("header");
    const compiled = {
      path: parameterAjv.compile(locationSchema(byLocation("path"), false)),
      // Strict: an unknown query parameter is a client mistake worth reporting.
      query: parameterAjv.compile(locationSchema(byLocation("query"), true)),
      header: parameterAjv.compile(locationSchema(headerParameters, false)),
    };
    const body: ValidateFunction | undefined = operation.body
      ? bodyAjv.compile(absoluteRefs(operation.body.schema) as JsonSchema)
      : undefined;

    validators.set(operation.operationId, {
      parameters(raw) {
        const header: Record<string, unknown> = {};
        for (const parameter of headerParameters) {
          const value = raw.header(parameter.name);
          if (value !== undefined) header[parameter.name] = value;
        }
        const input = { path: { ...raw.path }, query: { ...raw.query }, header };
        const errors: FieldError[] = [];
        for (const where of ["path", "query", "header"] as const) {
          const validate = compiled[where];
          if (!validate(input[where])) errors.push(...fieldErrors(validate.errors, `/${where}`));
          errors.push(...unstorableText(input[where], `/${where}`));
          errors.push(...unsafeIntegers(input[where], `/${where}`));
        }
        if (errors.length > 0) {
          throw new ServiceError(
            "invalid_parameter",
            errors.map((e) => `${e.pointer} ${e.detail}`).join("; "),
            {
              errors,
            },
          );
        }
        return input;
      },
      body(value) {
        if (!body) return value;
        const errors = body(value) ? [] : fieldErrors(body.errors, "");
        errors.push(...unstorableText(value));
        if (errors.length > 0) {
          throw new ServiceError(
            "validation_failed",
            `The request body breaks the contract (${errors.length} error(s))`,
            {
              errors,
            },
          );
        }
        return value;
      },
    });
  }
  return validators;
}
