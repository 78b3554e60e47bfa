import type pg from "pg";
import { buildTree } from "../../packages/server/src/store/merkle-backfill.js";
import { countNextEvents } from "../../packages/server/src/store/projects.js";
import { columnList, eventColumns, writableColumns } from "./events-table.js";
import { storeTreeFrontier } from "./merkle-frontier.js";
import { copyIn, queryable } from "./postgres.js";
import {
  indexOnPartitions,
  rowValues,
  SET_UP_PARTITIONS,
  seedChunks,
  seedPartitions,
} from "./seed-rows.js";

export interface SeedSpec {
  projectId: string;
  count: number;
  /** Generator seed: the same seed gives the same rows (PostgreSQL and PGlite alike). */
  seed: number;
  /**
   * Instead of generating rows, copy those of this project (seeded earlier in the same call)
   * inside the database, as many times as `count` needs (see copyProjectRows).
   */
  copyOf?: { projectId: string; count: number; shiftSeconds?: number };
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

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * `count` rows for `projectId` made inside the database from the source project's rows
 * (`INSERT … SELECT`, no client round trip per row), copy k shifted by k × the source's size
 * in `seq` and in seconds of time (plus `shiftSeconds`, which may move it into the past), ids kept unique by a per-copy suffix, hashes stand-ins
 * of the same form as the generated ones. Every other column, whatever migrations add, is
 * the source row's: the same content shapes, so each filter selects the same share.
 */
export async function copyProjectRows(
  client: pg.PoolClient,
  source: { projectId: string; count: number; shiftSeconds?: number },
  projectId: string,
  count: number,
): Promise<number> {
  const columns = writableColumns(await eventColumns(client));
  const expression: Record<string, string> = {
    project_id: "$2::text",
    seq: "seq + $3::bigint",
    id: "'evt_' || substr(id, 5, 24) || $4::text",
    occurred_at: "occurred_at + make_interval(secs => $3::bigint + $6::bigint)",
    created_at: "created_at + make_interval(secs => $3::bigint + $6::bigint)",
    hash: "encode(sha256(convert_to($2::text || ':' || (seq + $3::bigint), 'UTF8')), 'hex')",
    prev_hash:
      "CASE WHEN seq + $3::bigint > 1 THEN encode(sha256(convert_to($2::text || ':' || (seq + $3::bigint - 1), 'UTF8')), 'hex') END",
  };
  const select = columns.map((column) => expression[column.name] ?? `"${column.name}"`).join(", ");
  const sql = `INSERT INTO events (${columnList(columns)}) SELECT ${select} FROM events
    WHERE project_id = $1 AND seq <= $5 ORDER BY seq`;
  let copied = 0;
  for (let copy = 0; copied < count; copy++) {
    const offset = copy * source.count;
    const suffix = `${CROCKFORD[Math.floor(copy / 32) % 32]}${CROCKFORD[copy % 32]}`;
    const rows = Math.min(source.count, count - copied);
    const result = await client.query(sql, [
      source.projectId,
      projectId,
      offset,
      suffix,
      rows,
      source.shiftSeconds ?? 0,
    ]);
    copied += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) === 0) throw new Error(`project ${source.projectId} has no rows`);
  }
  return copied;
}

async function lastRow(
  client: pg.PoolClient,
  projectId: string,
): Promise<{ seq: number; hash: string }> {
  const result = await client.query<{ seq: string; hash: string }>(
    "SELECT seq, hash FROM events WHERE project_id = $1 ORDER BY seq DESC LIMIT 1",
    [projectId],
  );
  const row = result.rows[0];
  if (!row) throw new Error(`no rows in ${projectId}`);
  return { seq: Number(row.seq), hash: row.hash };
}

/**
 * Aggregates the write path keeps (action catalog, workspaces) recomputed for seeded rows,
 * and the distinct counts the server's background counter would have caught up on: a
 * running deployment has them, and counting millions of seeded events would otherwise run
 * beside the first workloads and load the database they measure (bench/FINDINGS.md B34).
 */
async function refreshAggregates(pool: pg.Pool, projectId: string): Promise<void> {
  await countNextEvents(queryable(pool), projectId, Number.MAX_SAFE_INTEGER);
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
    await client.query(
      ...seedPartitions(
        specs.map((spec) => ({ count: spec.count, shiftSeconds: spec.copyOf?.shiftSeconds })),
      ),
    );
    for (const spec of specs) {
      const started = performance.now();
      let last = { seq: 0, hash: "" };
      const copied = spec.copyOf
        ? await copyProjectRows(client, spec.copyOf, spec.projectId, spec.count)
        : await copyIn(
            client,
            `COPY events (${columnList(columns.map((name) => ({ name })))}) FROM STDIN`,
            seedChunks(spec.projectId, spec.count, spec.seed, columns, (value) => {
              last = value;
            }),
          );
      if (spec.copyOf) last = await lastRow(client, spec.projectId);
      await client.query(
        "UPDATE projects SET last_seq = $2, last_hash = $3 WHERE project_id = $1",
        [spec.projectId, last.seq, last.hash],
      );
      // The project's Merkle tree, as the append path would have built it: appends (the
      // export's own event among them) extend it. A copied project gets only the tree's
      // frontier: appends work, proofs of its seeded events do not (no workload asks).
      if (spec.copyOf) await storeTreeFrontier(client, spec.projectId, last.seq);
      else await buildTree(queryable(client), spec.projectId, last.seq);
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
  await pool.query(SET_UP_PARTITIONS);
  log(
    `rebuilt ${indexes.rows.length} indexes in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const spec of specs) await refreshAggregates(pool, spec.projectId);
}
