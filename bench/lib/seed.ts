import type pg from "pg";
import { buildTree } from "../../packages/server/src/store/merkle-backfill.js";
import { columnList, eventColumns, writableColumns } from "./events-table.js";
import { copyIn } from "./postgres.js";
import { indexOnPartitions, rowValues, seedChunks, seedPartitions } from "./seed-rows.js";

export interface SeedSpec {
  projectId: string;
  count: number;
  /** Generator seed: the same seed gives the same rows (PostgreSQL and PGlite alike). */
  seed: number;
}

/** The seeder's column names, checked against the table so a migration change fails loudly. */
export async function seedColumns(pool: pg.Pool): Promise<string[]> {
  const columns = writableColumns(await eventColumns(pool));
  const known = new Set(
    Object.keys(rowValues("p", 1, { action: "a.b", actor: { type: "user", id: "u" } }, 0, null)),
  );
  const required = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'events'
        AND is_nullable = 'NO' AND column_default IS NULL AND is_generated = 'NEVER'`,
  );
  const missing = required.rows.map((row) => row.column_name).filter((name) => !known.has(name));
  if (missing.length > 0) {
    throw new Error(`the seeder does not know the required events column(s) ${missing.join(", ")}`);
  }
  return columns.map((column) => column.name).filter((name) => known.has(name));
}

/** Aggregates the write path keeps (action catalog, workspaces), recomputed for seeded rows. */
async function refreshAggregates(pool: pg.Pool, projectId: string): Promise<void> {
  await pool.query(
    `INSERT INTO actions (project_id, action, count, first_seen_at, last_seen_at)
     SELECT project_id, action, count(*), min(created_at), max(created_at)
       FROM events WHERE project_id = $1 GROUP BY project_id, action
     ON CONFLICT (project_id, action) DO UPDATE SET count = EXCLUDED.count,
       first_seen_at = EXCLUDED.first_seen_at, last_seen_at = EXCLUDED.last_seen_at`,
    [projectId],
  );
  await pool.query(
    `INSERT INTO workspaces (project_id, workspace_id, count, first_seen_at, last_seen_at)
     SELECT project_id, workspace_id, count(*), min(created_at), max(created_at)
       FROM events WHERE project_id = $1 AND workspace_id IS NOT NULL
      GROUP BY project_id, workspace_id
     ON CONFLICT (project_id, workspace_id) DO UPDATE SET count = EXCLUDED.count,
       first_seen_at = EXCLUDED.first_seen_at, last_seen_at = EXCLUDED.last_seen_at`,
    [projectId],
  );
}

/**
 * Seeds projects straight into the events table with COPY (far faster than the API): the
 * secondary indexes are dropped first and rebuilt once at the end, the project rows get
 * their last_seq / last_hash so the API continues the sequence. The rows are valid for
 * every read path but their hashes are stand-ins: the seeded chain does not verify.
 */
export async function seedProjects(
  pool: pg.Pool,
  specs: readonly SeedSpec[],
  log: (message: string) => void,
): Promise<void> {
  const columns = await seedColumns(pool);
  const indexes = await pool.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = 'events'
        AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'events'::regclass)`,
  );
  const client = await pool.connect();
  try {
    for (const index of indexes.rows) await client.query(`DROP INDEX "${index.indexname}"`);
    await client.query(...seedPartitions(specs.map((spec) => spec.count)));
    for (const spec of specs) {
      const started = performance.now();
      let last = { seq: 0, hash: "" };
      const copied = await copyIn(
        client,
        `COPY events (${columnList(columns.map((name) => ({ name })))}) FROM STDIN`,
        seedChunks(spec.projectId, spec.count, spec.seed, columns, (value) => {
          last = value;
        }),
      );
      await client.query(
        "UPDATE projects SET last_seq = $2, last_hash = $3 WHERE project_id = $1",
        [spec.projectId, last.seq, last.hash],
      );
      // The project's Merkle tree, as the append path would have built it: appends (the
      // export's own event among them) extend it.
      await buildTree(
        { query: async (sql, params) => (await client.query(sql, params as unknown[])).rows },
        spec.projectId,
        last.seq,
      );
      log(
        `seeded ${copied} events into ${spec.projectId} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    client.release();
  }
  const started = performance.now();
  // The trigram index takes most of the time: it gets a connection of its own while the
  // others are built on a second one (PostgreSQL builds one GIN index on one core).
  const trigram = indexes.rows.filter((index) => index.indexdef.includes("gin_trgm_ops"));
  const rest = indexes.rows.filter((index) => !trigram.includes(index));
  await Promise.all(
    [trigram, rest].map(async (queue) => {
      const builder = await pool.connect();
      try {
        await builder.query("SET maintenance_work_mem = '512MB'");
        for (const index of queue) await builder.query(indexOnPartitions(index.indexdef));
      } finally {
        builder.release();
      }
    }),
  );
  log(
    `rebuilt ${indexes.rows.length} indexes in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const spec of specs) await refreshAggregates(pool, spec.projectId);
}
