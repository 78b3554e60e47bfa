import { backfillTrees } from "./merkle-backfill.js";
import { initial } from "./migrations/0001_initial.js";
import { rateLimitsUnlogged } from "./migrations/0002_rate_limits_unlogged.js";
import { ginPerProject } from "./migrations/0003_gin_per_project.js";
import { idempotencyBySeq } from "./migrations/0004_idempotency_by_seq.js";
import { viewerTokens } from "./migrations/0005_viewer_tokens.js";
import { verifiableIntegrity } from "./migrations/0006_verifiable_integrity.js";
import { streams } from "./migrations/0007_streams.js";
import { partitionedEvents } from "./migrations/0008_partitioned_events.js";
import { appendFunction } from "./migrations/0009_append_function.js";
import { queryFilters } from "./migrations/0010_query_filters.js";
import { projectsCatalogEventFields } from "./migrations/0011_projects_catalog_event_fields.js";
import { keyLimitsRotationPins } from "./migrations/0012_key_limits_rotation_pins.js";
import { eventStorage } from "./migrations/0013_event_storage.js";
import { pipelinedAppend } from "./migrations/0014_pipelined_append.js";
import { removalGuard } from "./migrations/0015_removal_guard.js";
import { partitionStatistics } from "./migrations/0016_partition_statistics.js";
import { searchPathTempLast } from "./migrations/0017_search_path_temp_last.js";
import { detachBetweenWrites } from "./migrations/0020_detach_between_writes.js";
import { searchPathPinned } from "./migrations/0021_search_path_pinned.js";
import { merkleHashRuns } from "./migrations/0022_merkle_hash_runs.js";
import { merkleRunsOneWriter } from "./migrations/0023_merkle_runs_one_writer.js";
import { detachLocksItsTables } from "./migrations/0024_detach_locks_its_tables.js";
import { keyLookupByIndex } from "./migrations/0025_key_lookup_by_index.js";
import { viewerTokenMintingSecret } from "./migrations/0026_viewer_token_minting_secret.js";
import { detachRechecksUnderLock } from "./migrations/0027_detach_rechecks_under_lock.js";
import { searchBySeqBucket } from "./migrations/0028_search_by_seq_bucket.js";
import { chainHeadWithFrontier } from "./migrations/0029_chain_head_with_frontier.js";
import { mergeSearchPending } from "./migrations/0030_merge_search_pending.js";
import { replicas } from "./migrations/0031_replicas.js";
import { searchPendingLimit } from "./migrations/0032_search_pending_limit.js";
import { keyLookupPerKey } from "./migrations/0033_key_lookup_per_key.js";
import { mergeSearchBounded } from "./migrations/0034_merge_search_bounded.js";
import { appendReadsByIndex } from "./migrations/0035_append_reads_by_index.js";
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
  { version: 5, name: "viewer_tokens", sql: viewerTokens },
  { version: 6, name: "verifiable_integrity", sql: verifiableIntegrity },
  { version: 7, name: "streams", sql: streams },
  { version: 8, name: "partitioned_events", sql: partitionedEvents },
  { version: 9, name: "append_function", sql: appendFunction },
  { version: 10, name: "query_filters", sql: queryFilters },
  { version: 11, name: "projects_catalog_event_fields", sql: projectsCatalogEventFields },
  { version: 12, name: "key_limits_rotation_pins", sql: keyLimitsRotationPins },
  { version: 13, name: "event_storage", sql: eventStorage },
  { version: 14, name: "pipelined_append", sql: pipelinedAppend },
  { version: 15, name: "removal_guard", sql: removalGuard },
  { version: 16, name: "partition_statistics", sql: partitionStatistics },
  { version: 17, name: "search_path_temp_last", sql: searchPathTempLast },
  { version: 20, name: "detach_between_writes", sql: detachBetweenWrites },
  { version: 21, name: "search_path_pinned", sql: searchPathPinned },
  { version: 22, name: "merkle_hash_runs", sql: merkleHashRuns },
  { version: 23, name: "merkle_runs_one_writer", sql: merkleRunsOneWriter },
  { version: 24, name: "detach_locks_its_tables", sql: detachLocksItsTables },
  { version: 25, name: "key_lookup_by_index", sql: keyLookupByIndex },
  { version: 26, name: "viewer_token_minting_secret", sql: viewerTokenMintingSecret },
  { version: 27, name: "detach_rechecks_under_lock", sql: detachRechecksUnderLock },
  { version: 28, name: "search_by_seq_bucket", sql: searchBySeqBucket },
  { version: 29, name: "chain_head_with_frontier", sql: chainHeadWithFrontier },
  { version: 30, name: "merge_search_pending", sql: mergeSearchPending },
  { version: 31, name: "replicas", sql: replicas },
  { version: 32, name: "search_pending_limit", sql: searchPendingLimit },
  { version: 33, name: "key_lookup_per_key", sql: keyLookupPerKey },
  { version: 34, name: "merge_search_bounded", sql: mergeSearchBounded },
  { version: 35, name: "append_reads_by_index", sql: appendReadsByIndex },
];

/** The newest migration this server knows: readiness needs the database to have it. */
export const LATEST_MIGRATION = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** Serialises concurrent `migrate` calls from several replicas. */
const MIGRATION_LOCK = 4_242_001;

/** Applies the migrations not applied yet, each in its own transaction; idempotent. */
export async function migrate(
  store: Store,
  options: { onProgress?: (done: number, total: number) => void } = {},
): Promise<number[]> {
  const applied: number[] = [];
  // A schema already current needs no DDL: an app role without CREATE rights may call this.
  if (await isCurrent(store)) return applied;
  await store.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    // Functions made with `SET search_path FROM CURRENT` search the schema, then the
    // session's temporary tables last, not first (migration 0017), and no `"$user"` schema
    // (migration 0021).
    await tx.query(
      "SELECT set_config('search_path', format('%I, pg_temp', current_schema()), true)",
    );
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
    const pending = MIGRATIONS.filter((migration) => !done.has(migration.version)).length;
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      options.onProgress?.(applied.length, pending);
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
      options.onProgress?.(applied.length, pending);
    }
    // Projects older than their Merkle tree (migration 0006) get one (store/merkle-backfill.ts),
    // once the tables it is stored in (migration 0022) exist.
    if (applied.includes(6)) await backfillTrees(tx);
  });
  return applied;
}

async function isCurrent(store: Store): Promise<boolean> {
  const [table] = await store.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (!table?.present) return false;
  const rows = await store.query<{ version: number }>("SELECT version FROM schema_migrations");
  const done = new Set(rows.map((row) => Number(row.version)));
  return MIGRATIONS.every((migration) => done.has(migration.version));
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
