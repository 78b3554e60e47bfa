#!/usr/bin/env node
/**
 * Fails when SQL is written outside `packages/server/src/store/`, the data layer.
 *
 * Every string and template literal of the packages' sources is parsed with the TypeScript
 * compiler (so comments and identifiers never count) and matched against the shapes SQL takes
 * in this code base: statements, clauses with placeholders, PostgreSQL casts. A `.sql` file
 * outside the store's folder fails too.
 *
 *   node scripts/check-sql-location.mjs [root]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const STORE = "packages/server/src/store/";
/** Packages whose SQL is not the product's: the test kit makes and drops test databases. */
const NOT_PRODUCT = new Set(["test-kit"]);
const SOURCE_DIRS = ["src", "bin"];
const SKIPPED_DIRS = new Set(["node_modules", "dist", "generated"]);
const SCRIPT = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** Each shape names what it recognises, so a report says why a literal looks like SQL. */
const SQL_SHAPES = [
  ["SELECT … FROM", /\bSELECT\b[\s\S]+\bFROM\b/],
  ["select … from", /^\s*select\s[\s\S]+\sfrom\s/i],
  ["SELECT of a value or function", /^\s*SELECT\s+(\d|\$\d|[a-z_]+\s*\(|[a-z_]+\s*,|\*)/i],
  ["INSERT INTO", /\bINSERT\s+INTO\b/i],
  ["UPDATE … SET", /\bUPDATE\s+[a-z_."]+\s+SET\b/i],
  ["DELETE FROM", /\bDELETE\s+FROM\b/i],
  ["WITH … AS (", /^\s*WITH\s+(RECURSIVE\s+)?[a-z_]+\s+AS\s*\(/i],
  [
    "DDL",
    /\b(CREATE|ALTER|DROP)\s+(TABLE|INDEX|UNIQUE|ROLE|SCHEMA|DATABASE|EXTENSION|FUNCTION|TRIGGER|VIEW|SEQUENCE|TYPE|OR REPLACE)\b/,
  ],
  ["TRUNCATE / GRANT / REVOKE", /^\s*(TRUNCATE|GRANT|REVOKE)\b/],
  ["LISTEN / NOTIFY", /^\s*(LISTEN|UNLISTEN|NOTIFY)\s+\S/],
  [
    "pg_notify / advisory locks",
    /\bpg_(notify|advisory_\w+|try_advisory_\w+|sleep|terminate_backend|cancel_backend)\s*\(/,
  ],
  ["transaction control", /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b[\s\w]*;?\s*$/],
  ["SET LOCAL / SET ROLE", /^\s*(SET\s+(LOCAL|SESSION|ROLE)\b|RESET\s+ROLE\b|LOCK\s+TABLE\b)/],
  [
    "clause",
    /\b(WHERE|ORDER BY|GROUP BY|ON CONFLICT|RETURNING|FOR UPDATE|SKIP LOCKED|LIMIT\s+(\$\d|\d))\b/,
  ],
  ["placeholder comparison", /\b[a-z_]+\s*(=|<>|<=|>=|<|>|@>|LIKE|ILIKE)\s*(ANY\s*\()?\$\d+/],
  [
    "column compared with a value",
    /\b[a-z]+_[a-z_]+\s+(=|<>|<=|>=|<|>|@>|LIKE|ILIKE)\s+(ANY\s*\()?\?0/,
  ],
  [
    "PostgreSQL cast",
    /::(text|jsonb?|int[248]?|integer|bigint|smallint|timestamptz|timestamp|uuid|bytea|numeric|boolean|regclass)\b/,
  ],
];

/** The whole text of a literal; a template's substitutions become `?0`. */
function literalText(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((span) => `?0${span.literal.text}`).join("");
  }
  return undefined;
}

function sqlShape(text) {
  for (const [name, pattern] of SQL_SHAPES) if (pattern.test(text)) return name;
  return undefined;
}

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (SCRIPT.test(entry.name) || entry.name.endsWith(".sql")) yield path;
  }
}

function findings(root, path) {
  const file = relative(root, path).split(sep).join("/");
  if (file.startsWith(STORE)) return [];
  if (file.endsWith(".sql")) return [{ file, line: 1, shape: ".sql file", text: "" }];
  const text = readFileSync(path, "utf8");
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    const literal = literalText(node);
    const shape = literal === undefined ? undefined : sqlShape(literal);
    if (shape !== undefined) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push({ file, line: line + 1, shape, text: literal.trim().split("\n")[0] });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const root = resolve(process.argv[2] ?? ".");
const packagesDir = join(root, "packages");
const found = [];
for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
  if (!pkg.isDirectory() || NOT_PRODUCT.has(pkg.name)) continue;
  for (const sub of SOURCE_DIRS) {
    const dir = join(packagesDir, pkg.name, sub);
    try {
      for (const path of sourceFiles(dir)) found.push(...findings(root, path));
    } catch (error) {
      if (error.code !== "ENOENT") throw error;
    }
  }
}

if (found.length > 0) {
  for (const { file, line, shape, text } of found) {
    console.error(`${file}:${line}  ${shape}: ${text.slice(0, 80)}`);
  }
  const files = new Set(found.map((f) => f.file)).size;
  console.error(`\n✖ SQL outside ${STORE}: ${found.length} literals in ${files} files`);
  process.exit(1);
}
console.log(`✔ no SQL outside ${STORE}`);
