// The server's wire types come from the contract (issue 11): these checks fail, at compile
// time (`pnpm typecheck`) or at run time, when a server type drifts from it or restates it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type {
  ApiKey,
  ProblemCode as ContractProblemCode,
  Scope as ContractScope,
  Event,
  EventList,
  ListEventsQuery,
  ProblemError,
} from "@chronicle/types";
import { openapiDocument } from "@chronicle/types";
import ts from "typescript";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type FieldError, PROBLEMS, type ProblemCode } from "../../src/domain/errors.js";
import { SCOPES, type Scope } from "../../src/domain/scopes.js";
import type { EventFilters, Page } from "../../src/domain/types.js";

const SOURCE = new URL("../../src/", import.meta.url);
const schemas = openapiDocument.components.schemas as Record<string, Record<string, unknown>>;
const enumOf = (name: string) => (schemas[name] as { enum: string[] }).enum;

describe("the server's problem codes and scopes", () => {
  it("type the problem table and the scope list against the contract's enums", () => {
    expectTypeOf<ProblemCode>().toEqualTypeOf<ContractProblemCode>();
    expectTypeOf<keyof typeof PROBLEMS>().toEqualTypeOf<ContractProblemCode>();
    expectTypeOf<FieldError>().toEqualTypeOf<ProblemError>();
    expectTypeOf<Scope>().toEqualTypeOf<ContractScope>();
    expectTypeOf<(typeof SCOPES)[number]>().toEqualTypeOf<ContractScope>();
  });

  it("when the problem table is read, then it has exactly the contract's codes", () => {
    expect(Object.keys(PROBLEMS).sort()).toEqual([...enumOf("ProblemCode")].sort());
  });

  it("when a status is read, then it is the one docs/design.md's error table gives", () => {
    const design = readFileSync(new URL("../../../../docs/design.md", import.meta.url), "utf8");
    const table = [...design.matchAll(/^\| (\d{3}) +\| `([a-z_]+)` +\|/gm)];
    expect(table.length).toBe(Object.keys(PROBLEMS).length);
    for (const [, status, code] of table) {
      expect(PROBLEMS[code as ProblemCode].status, code).toBe(Number(status));
    }
  });

  it("when the scope list is read, then it is the contract's Scope enum in its order", () => {
    expect([...SCOPES]).toEqual(enumOf("Scope"));
  });
});

describe("domain types derived from the wire", () => {
  it("page and filter like the contract's lists", () => {
    expectTypeOf<Page<Event>>().toEqualTypeOf<EventList>();
    expectTypeOf<Page<ApiKey>["next_cursor"]>().toEqualTypeOf<EventList["next_cursor"]>();
    expectTypeOf<EventFilters>().toEqualTypeOf<
      Omit<ListEventsQuery, "order" | "limit" | "cursor" | "include_total">
    >();
  });
});

/** Every `interface` and object-literal `type` declared in packages/server/src, by member names. */
function declaredShapes(): Array<{ where: string; name: string; members: string[] }> {
  const shapes: Array<{ where: string; name: string; members: string[] }> = [];
  const files = readdirSync(SOURCE, { recursive: true, encoding: "utf8" }).filter((file) =>
    file.endsWith(".ts"),
  );
  for (const file of files) {
    const text = readFileSync(new URL(file, SOURCE), "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
    const visit = (node: ts.Node) => {
      let members: ts.NodeArray<ts.TypeElement> | undefined;
      let name: string | undefined;
      if (ts.isInterfaceDeclaration(node)) {
        members = node.members;
        name = node.name.text;
      } else if (ts.isTypeAliasDeclaration(node) && ts.isTypeLiteralNode(node.type)) {
        members = node.type.members;
        name = node.name.text;
      }
      if (members && name) {
        const names = members
          .filter(ts.isPropertySignature)
          .map((member) => member.name.getText(source));
        shapes.push({ where: join("src", file), name, members: names.sort() });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return shapes;
}

describe("packages/server/src", () => {
  it("declares no type whose members restate a contract schema's", () => {
    const restated = new Map<string, string>();
    for (const [name, schema] of Object.entries(schemas)) {
      const properties = Object.keys((schema.properties as object | undefined) ?? {});
      // Two-member shapes ({ seq, hash }, { type, id }) are too common to mean a restatement.
      if (properties.length >= 3) restated.set(properties.sort().join(","), name);
    }
    const shapes = declaredShapes();
    expect(shapes.length).toBeGreaterThan(20);
    const found = shapes
      .filter((shape) => restated.has(shape.members.join(",")))
      .map(
        (shape) =>
          `${shape.where}: ${shape.name} restates ${restated.get(shape.members.join(","))}`,
      );
    expect(found).toEqual([]);
  });
});
