// `chronicle --help`, a usage error, `tail` and `export` start without loading the server:
// each command imports the store, the HTTP app and the services inside its action
// (src/cli/commands/index.ts). A static import added back at a module's top would load them
// again at every start; this walks the static imports from the CLI's entry and fails then.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SOURCE = fileURLToPath(new URL("../../src/", import.meta.url));

/** Modules only a command's action may load, by path under src/ or package name. */
const LOADED_BY_ACTIONS = [
  "store/index.ts",
  "store/migrate.ts",
  "http/app.ts",
  "services/index.ts",
  "cli/context.ts",
  "cli/server-runtime.ts",
  "@electric-sql/pglite",
  "express",
];

/** The modules `file` imports for its value (type-only imports are erased): paths or packages. */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause !== undefined &&
          clause.name === undefined &&
          clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.every((element) => element.isTypeOnly));
      if (!typeOnly) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isExportDeclaration(statement) &&
      !statement.isTypeOnly &&
      statement.moduleSpecifier
    ) {
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers.map((specifier) => {
    if (!specifier.startsWith(".")) return specifier;
    const path = join(dirname(file), specifier.replace(/\.js$/, ".ts"));
    return existsSync(path) ? path : join(dirname(file), specifier);
  });
}

/** A module's name in the report: its path under src/, or its package's name. */
const nameOf = (module: string) => (module.startsWith("/") ? relative(SOURCE, module) : module);

/** Every module the CLI's entry loads before a command runs, with the chain that brings it. */
function loadedAtStart(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[nameOf(entry), [nameOf(entry)]]]);
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const chain = chains.get(nameOf(file)) as string[];
    for (const imported of staticImports(file)) {
      const name = nameOf(imported);
      if (chains.has(name)) continue;
      chains.set(name, [...chain, name]);
      if (imported.startsWith("/") && imported.endsWith(".ts")) pending.push(imported);
    }
  }
  return chains;
}

describe("the chronicle command's start", () => {
  const loaded = loadedAtStart(join(SOURCE, "cli.ts"));

  it("when the CLI starts, then it has read its commands (the walk follows the imports)", () => {
    expect(loaded.has("cli/program.ts")).toBe(true);
    expect(loaded.has("cli/commands/tail.ts")).toBe(true);
    expect(loaded.has("commander")).toBe(true);
  });

  it("when the CLI starts, then neither the store, the HTTP app nor the services are loaded before a command's action", () => {
    const early = LOADED_BY_ACTIONS.filter((module) => loaded.has(module)).map((module) =>
      (loaded.get(module) as string[]).join(" -> "),
    );
    expect(early).toEqual([]);
  });
});
