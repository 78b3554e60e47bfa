import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { absoluteRefs, CONTRACT_ID, loadBundledDocument, resolveRef } from "./server-source.js";

/**
 * Checks a response against the contract: the status must be documented for the
 * operation, and a JSON body must match the documented schema. The kit's `client` runs
 * it on every response, so every integration test is also a contract test.
 */
const document = loadBundledDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: CONTRACT_ID, components: document.components ?? {} });

interface ResponseObject {
  content?: Record<string, { schema?: unknown }>;
}

const routes = Object.entries(document.paths).map(([template, item]) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
  item: item as Record<string, { responses?: Record<string, unknown> }>,
}));

const validators = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorFor(key: string, schema: unknown) {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(absoluteRefs(schema) as object);
    validators.set(key, validate);
  }
  return validate;
}

export function checkResponse(
  method: string,
  url: string,
  status: number,
  contentType: string | null,
  body: unknown,
): void {
  const path = new URL(url).pathname;
  const route = routes
    .filter((r) => r.pattern.test(path))
    .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))
    .find((r) => r.item[method.toLowerCase()]);
  const where = `${method} ${path} → ${status}`;
  let response: ResponseObject | undefined;
  let key: string;
  if (route) {
    const responses = route.item[method.toLowerCase()]?.responses ?? {};
    const raw =
      responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!raw) throw new Error(`${where}: status not documented for ${route.template}`);
    response = resolveRef(document, raw) as ResponseObject;
    key = `${method} ${route.template} ${status}`;
  } else {
    // Unknown paths answer with the shared 404 problem.
    if (status !== 404) throw new Error(`${where}: no such operation in the contract`);
    response = resolveRef(document, { $ref: "#/components/responses/NotFound" }) as ResponseObject;
    key = "404";
  }
  const mediaType = contentType?.split(";")[0]?.trim() ?? "";
  const content = response.content ?? {};
  if (Object.keys(content).length === 0) return;
  if (!content[mediaType]) {
    throw new Error(
      `${where}: content type ${mediaType} not documented (${Object.keys(content).join(", ")})`,
    );
  }
  const schema = content[mediaType]?.schema;
  const isJson = mediaType === "application/json" || mediaType === "application/problem+json";
  if (schema === undefined || !isJson) return;
  const validate = validatorFor(`${key} ${mediaType}`, schema);
  if (!validate(body)) {
    throw new Error(`${where}: body breaks the contract: ${ajv.errorsText(validate.errors)}`);
  }
}
