import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Queryable } from "../../packages/server/src/store/types.js";
import { run } from "./processes.js";

/**
 * The PostgreSQL server to use: DATABASE_URL when given, otherwise the local cluster
 * started by scripts/ci-postgres.sh (which exports DATABASE_URL).
 */
export async function postgresServerUrl(repoRoot: string): Promise<string> {
  const given = process.env.DATABASE_URL?.trim();
  if (given) return given;
  const output = await run(
    "bash",
    ["-c", 'source scripts/ci-postgres.sh >/dev/null && printf "%s" "$DATABASE_URL"'],
    { cwd: repoRoot },
  );
  if (!output.startsWith("postgres")) throw new Error(`ci-postgres.sh gave no URL: ${output}`);
  return output;
}

/** A pg connection or pool as the server's store functions take it (rows only). */
export function queryable(db: pg.Pool | pg.PoolClient | pg.Client): Queryable {
  return { query: async (sql, params) => (await db.query(sql, params as unknown[])).rows };
}

/** Streams text chunks into `COPY … FROM STDIN`; resolves with the rows copied. */
export async function copyIn(
  client: pg.PoolClient | pg.Client,
  sql: string,
  chunks: Iterable<string> | AsyncIterable<string>,
): Promise<number> {
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from(chunks), stream);
  return stream.rowCount ?? 0;
}

/**
 * Writes the seeding's dirty pages out before anything is measured. Left to the
 * checkpointer, a bulk load of millions of rows is flushed while the first workloads run
 * (spread over `checkpoint_completion_target` of `checkpoint_timeout`, minutes of writes
 * and fsyncs), which a deployment in its steady state does not carry. CHECKPOINT needs
 * superuser or `pg_checkpoint`: without it the run goes on and says so.
 */
export async function settleWrites(pool: pg.Pool, log: (message: string) => void): Promise<void> {
  const started = performance.now();
  const refused = await checkpoint(pool);
  if (refused === undefined) {
    log(`CHECKPOINT in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } else {
    log(`CHECKPOINT refused (${refused}): seeding's writes may overlap the first workloads`);
  }
}

/** Runs CHECKPOINT; why it was refused, if it was. */
async function checkpoint(pool: pg.Pool): Promise<string | undefined> {
  try {
    await pool.query("CHECKPOINT");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function postgresFacts(
  pool: pg.Pool,
): Promise<{ version: string; settings: Record<string, string> }> {
  const version = (await pool.query<{ v: string }>("SELECT version() AS v")).rows[0]?.v ?? "";
  const names = [
    "synchronous_commit",
    "fsync",
    "wal_level",
    "shared_buffers",
    "work_mem",
    "max_connections",
    "jit",
  ];
  const settings: Record<string, string> = {};
  const result = await pool.query<{ name: string; setting: string; unit: string | null }>(
    "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)",
    [names],
  );
  for (const row of result.rows) settings[row.name] = withUnit(row.setting, row.unit);
  return { version: version.split(" on ")[0] ?? version, settings };
}

/** A setting as pg_settings counts it (16384 of "8kB" for shared_buffers) in plain units. */
function withUnit(setting: string, unit: string | null): string {
  const block = unit?.match(/^(\d+)(\D+)$/);
  if (!block) return setting + (unit ?? "");
  return `${Number(setting) * Number(block[1])}${block[2]}`;
}

/**
 * Starts a measured round of an interleaved comparison on a settled database: the dirty
 * pages of the rounds before written out and no autovacuum worker busy in the bench's
 * database (waiting at most `maxWaitMs` for one). Without it, what one side's writes leave
 * behind (the checkpoint they bring on, the vacuum of the table they filled) runs during
 * the next side's round: in bench/FINDINGS.md B36 PostgreSQL's CPU per Chronicle event was
 * 1.8–3.1 ms in such rounds against 0.7–0.8 ms settled. Every side of a comparison gets the
 * same start; what a side's own round brings on while it runs still counts against it.
 * Without the right to CHECKPOINT, only the autovacuum wait remains.
 */
export async function settleRound(
  pool: pg.Pool,
  log: (message: string) => void,
  maxWaitMs = 20_000,
): Promise<void> {
  await checkpoint(pool);
  const deadline = performance.now() + maxWaitMs;
  let busy: string[] = [];
  while (performance.now() < deadline) {
    const result = await pool.query<{ query: string }>(
      `SELECT query FROM pg_stat_activity
        WHERE backend_type = 'autovacuum worker' AND datname = current_database()`,
    );
    busy = result.rows.map((row) => row.query);
    if (busy.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(`round started with autovacuum still busy after ${maxWaitMs / 1000} s: ${busy.join("; ")}`);
}
