import { createTestDatabase, POSTGRES_URL, type TestDatabase } from "@chronicle/test-kit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventsCopy, type IndexDefinition, indexOnTable } from "../lib/events-copy.js";

describe("an index moved to another table", () => {
  it("when it is a partitioned parent's unique index, then ONLY is dropped and the rest kept", () => {
    const sql = indexOnTable(
      {
        name: "events_id",
        definition:
          "CREATE UNIQUE INDEX events_id ON ONLY public.events USING btree (project_id, id) INCLUDE (seq) WHERE (id IS NOT NULL)",
      },
      "copy_table",
    );
    expect(sql).toBe(
      'CREATE UNIQUE INDEX "copy_table_events_id" ON "copy_table" USING btree (project_id, id) INCLUDE (seq) WHERE (id IS NOT NULL)',
    );
  });

  it("when it has an operator class, then the copy keeps it", () => {
    const sql = indexOnTable(
      {
        name: "events_search",
        definition:
          "CREATE INDEX events_search ON public.events USING gin (project_id, search_text gin_trgm_ops)",
      },
      "t",
    );
    expect(sql).toBe(
      'CREATE INDEX "t_events_search" ON "t" USING gin (project_id, search_text gin_trgm_ops)',
    );
  });

  it("when the definition is not an index's, then it throws", () => {
    expect(() => indexOnTable({ name: "x", definition: "DROP TABLE events" }, "t")).toThrow();
  });
});

describe.skipIf(!POSTGRES_URL)("a copy of the migrated events table", () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase("postgres", { migrated: true, label: "bench-copy" });
    pool = new pg.Pool({ connectionString: database.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  /** Every index of a table (keys included), as the catalog states it. */
  const indexesOf = async (table: string): Promise<IndexDefinition[]> => {
    const result = await pool.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname`,
      [table],
    );
    return result.rows.map((row) => ({ name: row.indexname, definition: row.indexdef }));
  };

  /** Index definitions with the table and index names taken out, sorted. */
  const shapes = async (table: string) =>
    (await indexesOf(table))
      .map((index) =>
        index.definition
          .replace(/ INDEX \S+ ON (ONLY )?\S+ USING /, " INDEX ON USING ")
          .replace(/"/g, ""),
      )
      .sort();

  it("when made with the same indexes, then it has every index of events, as the partition appends write to now defines it", async () => {
    await createEventsCopy(pool, "copy_same", "same");
    const [current] = (
      await pool.query<{ name: string }>(
        `SELECT name FROM chronicle_event_partitions()
         WHERE lower_bound <= now() AND upper_bound > now()`,
      )
    ).rows;
    expect(current).toBeDefined();
    expect(await shapes("copy_same")).toEqual(await shapes(current?.name ?? ""));
    expect((await shapes("copy_same")).length).toBeGreaterThanOrEqual(5);
    // The search index's options are the partition's (migration 0032), not the parent's.
    expect((await shapes("copy_same")).join("\n")).toContain("gin_pending_list_limit='1024'");
  });

  it("when made lean, then it has five indexes, the keys unique", async () => {
    await createEventsCopy(pool, "copy_lean", "lean");
    const lean = await shapes("copy_lean");
    expect(lean).toHaveLength(5);
    expect(lean.filter((shape) => shape.startsWith("CREATE UNIQUE"))).toHaveLength(2);
  });

  it("when rows are inserted without seq, then the table numbers them and keeps its keys unique", async () => {
    const insert = (id: string) =>
      pool.query(
        `INSERT INTO copy_same (project_id, id, action, actor_type, actor_id, occurred_at, created_at, hash, search_text)
         VALUES ('prj_1', $1, 'a.b', 'user', 'u', now(), now(), 'h', 's') RETURNING seq`,
        [id],
      );
    const first = await insert("evt_1");
    const second = await insert("evt_2");
    expect(Number(second.rows[0]?.seq)).toBe(Number(first.rows[0]?.seq) + 1);
    // The events table's primary key (project_id, seq, created_at) is the copy's too.
    await expect(
      pool.query(
        `INSERT INTO copy_same (project_id, seq, id, action, actor_type, actor_id, occurred_at, created_at, hash, search_text)
         SELECT project_id, seq, 'evt_3', action, actor_type, actor_id, occurred_at, created_at, hash, search_text
         FROM copy_same WHERE seq = $1`,
        [first.rows[0]?.seq],
      ),
    ).rejects.toThrow(/duplicate key/);
  });
});
