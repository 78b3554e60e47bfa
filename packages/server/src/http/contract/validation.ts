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
  const firstErrorAjv = new Ajv2020({ ...common, allErrors: false });
  for (const ajv of [parameterAjv, bodyAjv, firstErrorAjv]) {
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
    const bodySchema = operation.body
      ? (absoluteRefs(operation.body.schema) as JsonSchema)
      : undefined;
    const body = bodySchema && bodyErrors(firstErrorAjv, bodyAjv, bodySchema);

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
        const errors = body(value);
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

/** Keywords that bound how many members a value has: past one, its members are not walked. */
const SIZE_KEYWORDS = new Set(["maxItems", "maxProperties"]);
/** The most field errors one answer lists. */
export const MAX_FIELD_ERRORS = 100;

/**
 * A body's field errors, in two passes. The first stops at the first error (every body
 * that passes costs one linear walk); only a body that fails is walked again for all its
 * errors, and not when the first error is a size bound: ajv merges the errors of `$ref`'d
 * items by copying the list so far, so listing every error of 100,000 invalid batch items
 * (a 300 KB body) is quadratic and would hold the event loop for minutes. Arrays within
 * their `maxItems` keep that walk small; the answer lists at most MAX_FIELD_ERRORS errors.
 * The full validator is compiled on the first failure.
 */
function bodyErrors(
  firstErrorAjv: Ajv2020,
  allErrorsAjv: Ajv2020,
  schema: JsonSchema,
): (value: unknown) => FieldError[] {
  const first = firstErrorAjv.compile(schema);
  let all: ValidateFunction | undefined;
  return (value) => {
    if (first(value)) return [];
    const [error] = first.errors ?? [];
    if (error && SIZE_KEYWORDS.has(error.keyword)) return fieldErrors(first.errors, "");
    all ??= allErrorsAjv.compile(schema);
    const valid = all(value);
    // Valid on the second walk cannot happen with the same schema; the first answer stands.
    const errors = fieldErrors(valid ? first.errors : all.errors, "");
    return errors.slice(0, MAX_FIELD_ERRORS);
  };
}
