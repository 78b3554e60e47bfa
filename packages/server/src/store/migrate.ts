import { randomBytes } from "node:crypto";
import { initial } from "./migrations/0001_initial.js";
import { rateLimitsUnlogged } from "./migrations/0002_rate_limits_unlogged.js";
import { ginPerProject } from "./migrations/0003_gin_per_project.js";
import { idempotencyBySeq } from "./migrations/0004_idempotency_by_seq.js";
import type { Store } from "./types.js";

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", sql: initial },
  { version: 2, name: "rate_limits_unlogged", sql: rateLimitsUnlogged },
  { version: 3, name: "gin_per_project", sql: ginPerProject },
  { version: 4, name: "idempotency_by_seq", sql: idempotencyBySeq },
];

/** The newest migration this server knows: readiness needs the database to have it. */
export const LATEST_MIGRATION = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** Serialises concurrent `migrate` calls from several replicas. */
const MIGRATION_LOCK = 4_242_001;

/** Applies the migrations not applied yet, each in its own transaction; idempotent. */
export async function migrate(store: Store): Promise<number[]> {
  const applied: number[] = [];
  await store.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ version: number }>("SELECT version FROM schema_migrations")).map(
        (row) => row.version,
      ),
    );
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    // The HMAC secret for cursors and viewer tokens: generated once, shared by replicas.
    await tx.query(
      "INSERT INTO settings (name, value) VALUES ('hmac_secret', $1) ON CONFLICT (name) DO NOTHING",
      [randomBytes(32).toString("base64url")],
    );
  });
  return applied;
}

/** Splits on `;` at line ends outside dollar-quoted bodies (extended protocol runs one at a time). */
function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = "";
  let inDollar = false;
  for (const line of sql.split("\n")) {
    if ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) inDollar = !inDollar;
    current += `${line}\n`;
    if (!inDollar && line.trimEnd().endsWith(";")) {
      if (current.replace(/--.*$/gm, "").trim()) statements.push(current.trim());
      current = "";
    }
  }
  if (current.replace(/--.*$/gm, "").trim()) statements.push(current.trim());
  return statements;
}
