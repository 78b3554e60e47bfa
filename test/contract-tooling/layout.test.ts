import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const openapiDir = join(root, "openapi");
const bundle = JSON.parse(
  readFileSync(join(root, "packages/types/generated/openapi.json"), "utf8"),
) as { paths: Record<string, unknown>; components: Record<string, Record<string, unknown>> };

const KINDS = ["schemas", "parameters", "responses", "headers", "examples", "securitySchemes"];

function yamlFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => name.slice(0, -".yaml".length))
    .sort();
}

describe("the openapi/ layout", () => {
  it.each(KINDS)(
    "when components/%s is bundled, then its components are exactly its files, by name",
    (kind) => {
      const files = yamlFiles(join(openapiDir, "components", kind));
      expect(files.length).toBeGreaterThan(0);
      expect(Object.keys(bundle.components[kind] ?? {}).sort()).toEqual(files);
    },
  );

  it("has one file per path, named after the path", () => {
    const expected = Object.keys(bundle.paths)
      .map((path) => path.slice(1).replaceAll("/", "_"))
      .sort();
    expect(yamlFiles(join(openapiDir, "paths"))).toEqual(expected);
  });

  it("keeps every component in its own file: the root lists them by $ref only", () => {
    const rootDocument = readFileSync(join(openapiDir, "openapi.yaml"), "utf8");
    const componentsSection = rootDocument.slice(rootDocument.indexOf("\ncomponents:"));
    const lines = componentsSection.split("\n").filter((line) => /^ {6}\S/.test(line));
    for (const line of lines) expect(line).toMatch(/^ {6}\$ref: components\/\w+\/\w+\.yaml$/);
  });
});
