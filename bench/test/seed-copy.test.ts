import {
  createTestDatabase,
  POSTGRES_URL,
  searchIndexOptions,
  type TestDatabase,
} from "@chronicle/test-kit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTree } from "../../packages/server/src/store/merkle-backfill.js";
import { storeTreeFrontier } from "../lib/merkle-frontier.js";
import { queryable } from "../lib/postgres.js";
import { seedProjects } from "../lib/seed.js";

describe.skipIf(!POSTGRES_URL)("a project seeded as copies of another", () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  const rows = async (projectId: string) =>
    (
      await pool.query<{ seq: string; id: string; hash: string; prev_hash: string | null }>(
        "SELECT seq, id, hash, prev_hash FROM events WHERE project_id = $1 ORDER BY seq",
        [projectId],
      )
    ).rows;
  /** Every stored hash of a project's tree by index, its runs spread out. */
  const treeRows = async (projectId: string) =>
    new Map(
      (
        await pool.query<{ idx: string; hash: Buffer }>(
          `SELECT r.first_idx + i AS idx, substring(r.hashes FROM i * 32 + 1 FOR 32) AS hash
           FROM merkle_hash_runs r, generate_series(0, octet_length(r.hashes) / 32 - 1) AS i
           WHERE r.project_id = $1`,
          [projectId],
        )
      ).rows.map((row) => [Number(row.idx), row.hash.toString("hex")]),
    );

  beforeAll(async () => {
    database = await createTestDatabase("postgres", { migrated: true, label: "bench-seed" });
    pool = new pg.Pool({ connectionString: database.databaseUrl, max: 3 });
    await pool.query(
      "INSERT INTO projects (project_id, name) VALUES ('prj_source', 's'), ('prj_copy', 'c')",
    );
    await seedProjects(
      pool,
      [
        { projectId: "prj_source", count: 1200, seed: 9 },
        {
          projectId: "prj_copy",
          count: 3100,
          seed: 0,
          copyOf: { projectId: "prj_source", count: 1200 },
        },
      ],
      () => undefined,
    );
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it("when copied, then seq runs 1…count, ids are unique and the stand-in hashes chain", async () => {
    const copied = await rows("prj_copy");
    expect(copied.map((row) => Number(row.seq))).toEqual(
      Array.from({ length: 3100 }, (_, index) => index + 1),
    );
    expect(new Set(copied.map((row) => row.id)).size).toBe(3100);
    copied.forEach((row, index) => {
      expect(row.prev_hash).toBe(index === 0 ? null : copied[index - 1]?.hash);
    });
    const project = await pool.query<{ last_seq: string; last_hash: string }>(
      "SELECT last_seq, last_hash FROM projects WHERE project_id = 'prj_copy'",
    );
    expect(Number(project.rows[0]?.last_seq)).toBe(3100);
    expect(project.rows[0]?.last_hash).toBe(copied.at(-1)?.hash);
  });

  it("when copied, then the content is the source's, copy after copy", async () => {
    const content = async (projectId: string) =>
      (
        await pool.query<{ action: string; actor_id: string; search_text: string }>(
          "SELECT action, actor_id, search_text FROM events WHERE project_id = $1 ORDER BY seq",
          [projectId],
        )
      ).rows;
    const source = await content("prj_source");
    const copied = await content("prj_copy");
    copied.forEach((row, index) => {
      expect(row).toEqual(source[index % 1200]);
    });
  });

  it("when only the frontier is stored, then it holds exactly the full tree's hashes there", async () => {
    // Two more projects with the very same event hashes: one gets the full tree, one the
    // frontier again in chunks smaller than the project (carried across chunks).
    for (const projectId of ["prj_full", "prj_chunked"]) {
      await pool.query("INSERT INTO projects (project_id, name) VALUES ($1, 'x')", [projectId]);
      await pool.query(
        `INSERT INTO events SELECT (jsonb_populate_record(e, jsonb_build_object('project_id', $1::text))).*
           FROM events e WHERE project_id = 'prj_copy'`,
        [projectId],
      );
    }
    const client = await pool.connect();
    try {
      await buildTree(queryable(client), "prj_full", 3100);
      await storeTreeFrontier(client, "prj_chunked", 3100, 700);
    } finally {
      client.release();
    }
    const frontier = await treeRows("prj_copy");
    const full = await treeRows("prj_full");
    expect(frontier.size).toBeGreaterThan(0);
    expect(full.size).toBeGreaterThan(frontier.size);
    for (const [index, hash] of frontier) expect(full.get(index)).toBe(hash);
    expect(await treeRows("prj_chunked")).toEqual(frontier);
  }, 60_000);

  it("when the indexes are rebuilt, then each partition's search index keeps its own pending list limit", async () => {
    // A rebuilt index takes the parent's options (256 kB); appends meet 1 MB (migration 0032).
    const options = Object.values(await searchIndexOptions(queryable(pool)));
    expect(options.length).toBeGreaterThan(1);
    for (const each of options) expect(each).toEqual(["gin_pending_list_limit=1024"]);
  });
});
