import { openTestStore, STORE_KINDS, type TestStore } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Tables that hold no project's data and are copied whole to every node of a distributed
 * PostgreSQL (Citus reference tables, docs/scaling.md): the only ones whose keys need not
 * lead with project_id.
 */
const REFERENCE_TABLES = ["removal_policy", "replicas", "schema_migrations", "settings"];

/**
 * Unique keys that span projects on purpose, each with what a distributed deployment must do
 * instead (docs/scaling.md, "Keys that span projects").
 */
const CROSS_PROJECT_KEYS = new Map([
  ["projects.projects_slug", "slugs are unique across the deployment: a reference table on Citus"],
]);

describe.each(STORE_KINDS)("schema keys on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /**
   * Every table of the schema (plain and partitioned; a partition shares its parent's keys)
   * without a primary key, and every primary key or unique index whose first column is not
   * project_id, reference tables aside.
   */
  async function keyOffenders(): Promise<string[]> {
    const keys = await t.store.query<{ table: string; index: string; first: string | null }>(
      `SELECT c.relname AS table, ic.relname AS index,
              (SELECT a.attname FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum = x.indkey[0]) AS first
       FROM pg_index x
       JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_class ic ON ic.oid = x.indexrelid
       WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
         AND NOT c.relispartition AND (x.indisprimary OR x.indisunique)
       ORDER BY 1, 2`,
    );
    const withoutPrimaryKey = await t.store.query<{ table: string }>(
      `SELECT t.table_name AS table FROM information_schema.tables t
       JOIN pg_class c ON c.relname = t.table_name
         AND c.relnamespace = current_schema()::regnamespace AND NOT c.relispartition
       WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
         AND NOT EXISTS (SELECT 1 FROM information_schema.table_constraints k
                         WHERE k.table_schema = t.table_schema AND k.table_name = t.table_name
                           AND k.constraint_type = 'PRIMARY KEY')
       ORDER BY 1`,
    );
    return [
      ...withoutPrimaryKey
        .filter((row) => !REFERENCE_TABLES.includes(row.table))
        .map((row) => `${row.table} has no primary key`),
      ...keys
        .filter((key) => !REFERENCE_TABLES.includes(key.table) && key.first !== "project_id")
        .filter((key) => !CROSS_PROJECT_KEYS.has(`${key.table}.${key.index}`))
        .map((key) => `${key.table}.${key.index} leads with ${key.first ?? "an expression"}`),
    ];
  }

  it("when the schema is freshly migrated, then every primary key and unique index leads with project_id", async () => {
    const [events] = await t.store.query<{ kind: string }>(
      "SELECT relkind AS kind FROM pg_class WHERE oid = 'events'::regclass",
    );
    expect(events?.kind).toBe("p");
    expect(await keyOffenders()).toEqual([]);
  });

  it("when a table's key does not lead with project_id, then the check names the offender", async () => {
    await t.store.query(
      "CREATE TABLE key_offender (owner text PRIMARY KEY, project_id text, name text)",
    );
    await t.store.query("CREATE UNIQUE INDEX key_offender_name ON key_offender (name, project_id)");
    await t.store.query("CREATE TABLE keyless_offender (project_id text)");
    try {
      expect(await keyOffenders()).toEqual([
        "keyless_offender has no primary key",
        "key_offender.key_offender_name leads with name",
        "key_offender.key_offender_pkey leads with owner",
      ]);
    } finally {
      await t.store.query("DROP TABLE key_offender");
      await t.store.query("DROP TABLE keyless_offender");
    }
  });

  /**
   * Owner-rights (SECURITY DEFINER) functions of the schema whose search_path does not end
   * with pg_temp: in those, a temporary table of the caller's could stand in for a table
   * the function trusts (PostgreSQL's advice for SECURITY DEFINER, docs/security.md); or
   * that names "$user", there a schema named after the owner, which a role allowed to create
   * schemas could make (migration 0021).
   */
  async function definerOffenders(): Promise<string[]> {
    const rows = await t.store.query<{ name: string; path: string | null }>(
      `SELECT p.proname AS name,
              (SELECT c FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%') AS path
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE p.prosecdef AND n.nspname = current_schema()
       ORDER BY 1`,
    );
    return rows
      .filter((row) => !/(^|[ ,])pg_temp"?$/.test(row.path ?? "") || /\$user/.test(row.path ?? ""))
      .map((row) => `${row.name}: ${row.path ?? "no search_path"}`);
  }

  it("when the schema is freshly migrated, then every owner-rights function searches pg_temp last", async () => {
    expect(await definerOffenders()).toEqual([]);
    await t.store.query(
      "CREATE FUNCTION definer_offender() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = public AS 'SELECT 1'",
    );
    try {
      expect(await definerOffenders()).toEqual(["definer_offender: search_path=public"]);
    } finally {
      await t.store.query("DROP FUNCTION definer_offender()");
    }
  });
});
