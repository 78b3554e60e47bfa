import { PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { buildTree } from "../../packages/server/src/store/merkle-backfill.js";
import type { Queryable } from "../../packages/server/src/store/types.js";
import type { SeedSpec } from "./seed.js";
import { indexOnPartitions, SET_UP_PARTITIONS, seedChunks, seedPartitions } from "./seed-rows.js";

/**
 * Seeds a PGlite data directory (the server must not be running: PGlite is one process)
 * with the same rows the PostgreSQL seeder writes for the same spec, through
 * `COPY … FROM '/dev/blob'`, secondary indexes dropped and rebuilt, and the project's Merkle
 * tree built as the appends would have (the server's checkpoints and later appends extend it).
 */
export async function seedPglite(
  dataDir: string,
  columns: readonly string[],
  spec: SeedSpec,
  log: (message: string) => void,
): Promise<void> {
  const db = await PGlite.create({ dataDir, extensions: { btree_gin, pg_trgm } });
  try {
    const started = performance.now();
    const indexes = await db.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = 'events'
          AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'events'::regclass)`,
    );
    for (const index of indexes.rows) await db.exec(`DROP INDEX "${index.indexname}"`);
    await db.query(...seedPartitions([{ count: spec.count }]));
    let last = { seq: 0, hash: "" };
    const chunks = [
      ...seedChunks(spec.projectId, spec.count, spec.seed, columns, (value) => {
        last = value;
      }),
    ];
    const names = columns.map((name) => `"${name}"`).join(", ");
    await db.query(`COPY events (${names}) FROM '/dev/blob'`, [], { blob: new Blob(chunks) });
    await db.query("UPDATE projects SET last_seq = $2, last_hash = $3 WHERE project_id = $1", [
      spec.projectId,
      last.seq,
      last.hash,
    ]);
    for (const index of indexes.rows) await db.exec(indexOnPartitions(index.indexdef));
    await db.query(SET_UP_PARTITIONS);
    const queryable: Queryable = {
      query: async <R>(sql: string, params?: readonly unknown[]) =>
        (await db.query<R>(sql, params as unknown[])).rows,
    };
    await buildTree(queryable, spec.projectId, last.seq);
    await db.exec("ANALYZE");
    log(
      `PGlite: seeded ${spec.count} events in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await db.close();
  }
}
