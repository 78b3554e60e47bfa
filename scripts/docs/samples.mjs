// Code samples for every operation: curl and Python generated from the contract's own
// examples, TypeScript from the files in docs/samples/ (compiled by `pnpm typecheck`).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const BASE_URL = "http://127.0.0.1:3000";
export const METHODS = ["get", "post", "put", "patch", "delete"];

/** Follows `#/…` references (repeatedly) inside the bundled document. */
export function deref(document, value) {
  let current = value;
  for (let depth = 0; depth < 20 && current && typeof current.$ref === "string"; depth++) {
    let target = document;
    for (const key of current.$ref.slice(2).split("/")) target = target?.[key];
    current = target;
  }
  return current;
}

/** Every operation of the document, in document order. */
export function operationsOf(document) {
  const operations = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p) =>
        deref(document, p),
      );
      operations.push({ path, method, operation, parameters });
    }
  }
  return operations;
}

function mediaExample(document, media) {
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  const first = Object.values(media.examples ?? {})[0];
  return first ? deref(document, first)?.value : undefined;
}

/** The request body example of an operation, if it takes a JSON body. */
export function bodyExample(document, operation) {
  const body = deref(document, operation.requestBody);
  return mediaExample(document, body?.content?.["application/json"]);
}

/** The URL of the request the samples make: path parameters and required query from examples. */
export function sampleUrl({ path, parameters }) {
  let url = path;
  const query = new URLSearchParams();
  for (const parameter of parameters) {
    const example = parameter.example ?? parameter.schema?.example;
    if (parameter.in === "path")
      url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(example)));
    else if (parameter.in === "query" && parameter.required)
      query.set(parameter.name, String(example));
  }
  const search = query.size > 0 ? `?${query}` : "";
  return `${BASE_URL}${url}${search}`;
}

const needsAuth = (operation) => (operation["x-required-scope"] ?? "none") !== "none";
const streams = (operation) => ["streamEvents", "exportEvents"].includes(operation.operationId);

const shellQuote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

export function curlSample(document, entry) {
  const { method, operation } = entry;
  const lines = [
    `curl${streams(operation) ? " -N" : ""}${method === "get" ? "" : ` -X ${method.toUpperCase()}`} ${shellQuote(sampleUrl(entry))}`,
  ];
  if (needsAuth(operation)) lines.push(`-H "Authorization: Bearer $CHRONICLE_API_KEY"`);
  const body = bodyExample(document, operation);
  if (body !== undefined) {
    lines.push(`-H "Content-Type: application/json"`);
    const json = JSON.stringify(body, null, 2).replaceAll("\n", "\n    ");
    lines.push(`-d ${shellQuote(json)}`);
  }
  return `${lines.join(" \\\n  ")}\n`;
}

/** A JSON value as a Python literal. */
function python(value, indent = "") {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string" || typeof value === "number") return JSON.stringify(value);
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => `${inner}${python(v, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${python(v, inner)},`).join("\n")}\n${indent}}`;
}

export function pythonSample(document, entry) {
  const { method, operation } = entry;
  const args = [`    ${JSON.stringify(sampleUrl(entry))},`];
  if (needsAuth(operation))
    args.push(`    headers={"Authorization": f"Bearer {os.environ['CHRONICLE_API_KEY']}"},`);
  const body = bodyExample(document, operation);
  if (body !== undefined) args.push(`    json=${python(body, "    ")},`);
  if (streams(operation)) args.push("    stream=True,");
  args.push("    timeout=30,");
  const lines = [
    ...(needsAuth(operation) ? ["import os", ""] : []),
    "import requests",
    "",
    `response = requests.${method}(`,
    ...args,
    ")",
    "response.raise_for_status()",
  ];
  if (streams(operation))
    lines.push("for line in response.iter_lines(decode_unicode=True):", "    print(line)");
  else lines.push("print(response.json())");
  return `${lines.join("\n")}\n`;
}

/** A JSON value as a TypeScript literal (identifier keys unquoted). */
function typescript(value, indent = "") {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => `${inner}${typescript(v, inner)},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
  return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${typescript(v, inner)},`).join("\n")}\n${indent}}`;
}

export const SDK_IN_REPOSITORY = '"../../packages/sdk/src/index.js"';

/**
 * An operation without a file in docs/samples/ gets a call through the SDK's typed raw
 * client, built from the contract's examples (the docs test compiles these too).
 */
export function rawClientSample(document, entry) {
  const { path, method, operation, parameters } = entry;
  const groups = { path: {}, query: {} };
  for (const parameter of parameters) {
    const example = parameter.example ?? parameter.schema?.example;
    if (parameter.in === "path" || (parameter.in === "query" && parameter.required)) {
      groups[parameter.in][parameter.name] = example;
    }
  }
  const params = Object.entries(groups).filter(([, values]) => Object.keys(values).length > 0);
  const init = {};
  if (params.length > 0) init.params = Object.fromEntries(params);
  const body = bodyExample(document, operation);
  if (body !== undefined) init.body = body;
  const args = Object.keys(init).length > 0 ? `, ${typescript(init)}` : "";
  const call = `chronicle.raw.${method.toUpperCase()}(${JSON.stringify(path)}${args})`;
  return `import { Chronicle } from ${SDK_IN_REPOSITORY};

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

// ${operation.operationId} through the typed client underneath the SDK.
const { data, error } = await ${call};
if (error) throw new Error(\`${operation.operationId} failed: \${JSON.stringify(error)}\`);
console.log(data);
`;
}

/** What readers see: the package name instead of the in-repository path the compiler needs. */
export const asPublished = (source) => source.replaceAll(SDK_IN_REPOSITORY, '"@chronicle/sdk"');

/** The TypeScript source of an operation's sample, as compiled (docs/samples/ or generated). */
export function typescriptSource(document, samplesDir, entry) {
  const file = join(samplesDir, `${entry.operation.operationId}.ts`);
  if (existsSync(file)) return { source: readFileSync(file, "utf8"), generated: false };
  return { source: rawClientSample(document, entry), generated: true };
}

/** curl, TypeScript and Python for every operation, keyed by operationId. */
export function samplesOf(document, samplesDir) {
  const samples = new Map();
  for (const entry of operationsOf(document)) {
    const { operationId } = entry.operation;
    samples.set(operationId, {
      curl: curlSample(document, entry),
      typescript: asPublished(typescriptSource(document, samplesDir, entry).source),
      python: pythonSample(document, entry),
    });
  }
  return samples;
}

/** A copy of the document with `x-codeSamples` on every operation (Redoc shows them as tabs). */
export function withCodeSamples(document, samples) {
  const copy = structuredClone(document);
  for (const { operation } of operationsOf(copy)) {
    const sample = samples.get(operation.operationId);
    operation["x-codeSamples"] = [
      { lang: "Shell", label: "curl", source: sample.curl },
      { lang: "TypeScript", label: "TypeScript", source: sample.typescript },
      { lang: "Python", label: "Python", source: sample.python },
    ];
  }
  return copy;
}
