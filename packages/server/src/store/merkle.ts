import {
  appendHashes,
  eventLeafHash,
  frontierNeeds,
  type Hash,
  type HashLookup,
  lookupIn,
} from "../domain/merkle.js";
import { prepared } from "./prepared.js";
import type { Queryable } from "./types.js";

/**
 * The stored hashes of a project's Merkle tree: every complete subtree's hash under its tlog
 * storage index, in runs of consecutive indexes (table `merkle_hash_runs`, migration 0022),
 * and, for trees grown before that, one row per hash (table `merkle_hashes`, migration 0006).
 */

/** The most hashes a run holds: a row stays under PostgreSQL's 2 kB TOAST threshold. */
export const RUN_LENGTH = 60;

/**
 * One probe per wanted index: the run with the greatest first index at or below it (a
 * backward scan of the primary key), then, only where no run reaches the index, the row of
 * `merkle_hashes`. Written as LATERAL joins rather than a join on `= ANY($2)`: for a project
 * the statistics have not seen yet (every new or fast-growing project), PostgreSQL estimates
 * one row for `project_id = $1` and would filter every stored hash of the project, a cost
 * that grows with the tree, under the append's project lock. Each lateral probe (kept a
 * subquery by its LIMIT) uses both key columns whatever the estimate.
 */
const SELECT_HASHES = prepared(`
SELECT n.idx, encode(coalesce(r.hash, m.hash), 'hex') AS hash
FROM unnest($2::bigint[]) AS n(idx)
LEFT JOIN LATERAL (
  SELECT CASE WHEN n.idx - s.first_idx < octet_length(s.hashes) / 32
    THEN substring(s.hashes FROM ((n.idx - s.first_idx) * 32 + 1)::integer FOR 32) END AS hash
  FROM merkle_hash_runs AS s
  WHERE s.project_id = $1 AND s.first_idx <= n.idx
  ORDER BY s.first_idx DESC LIMIT 1
) AS r ON true
LEFT JOIN LATERAL (
  SELECT hash FROM merkle_hashes WHERE r.hash IS NULL AND project_id = $1 AND idx = n.idx LIMIT 1
) AS m ON true
WHERE coalesce(r.hash, m.hash) IS NOT NULL`);

/** The stored hashes at `indexes` (hex) that exist, by index. */
export async function selectTreeHashes(
  db: Queryable,
  projectId: string,
  indexes: readonly number[],
): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  if (indexes.length === 0) return found;
  const rows = await db.query<{ idx: string | number; hash: string }>(SELECT_HASHES, [
    projectId,
    indexes,
  ]);
  for (const row of rows) found.set(Number(row.idx), row.hash);
  return found;
}

/** Reads stored hashes of a project's tree in one query; the lookup throws if one is missing. */
export async function readHashes(
  db: Queryable,
  projectId: string,
  indexes: readonly number[],
): Promise<HashLookup> {
  const stored = await selectTreeHashes(db, projectId, [...new Set(indexes)]);
  const found = new Map<number, Hash>();
  for (const [index, hex] of stored) found.set(index, Buffer.from(hex, "hex"));
  return lookupIn(found);
}

/**
 * Hashes a project's tree gains, as runs: parallel arrays of each run's first storage index
 * and its hashes (consecutive indexes from that one), concatenated, in hex.
 */
export interface TreeHashRuns {
  firstIndexes: number[];
  hashes: string[];
}

/**
 * The runs that store `added` (any indexes, in any order): consecutive indexes share a run of
 * at most RUN_LENGTH hashes. What one append adds is one range (tlog's layout), so one run
 * per RUN_LENGTH hashes.
 */
export function hashRuns(added: ReadonlyMap<number, Hash>): TreeHashRuns {
  const runs: TreeHashRuns = { firstIndexes: [], hashes: [] };
  const indexes = [...added.keys()].sort((a, b) => a - b);
  let run: Hash[] = [];
  let first = 0;
  const close = () => {
    if (run.length === 0) return;
    runs.firstIndexes.push(first);
    runs.hashes.push(Buffer.concat(run).toString("hex"));
    run = [];
  };
  for (const index of indexes) {
    if (run.length === RUN_LENGTH || (run.length > 0 && index !== first + run.length)) close();
    if (run.length === 0) first = index;
    run.push(added.get(index) as Hash);
  }
  close();
  return runs;
}

/**
 * Stores hashes a project's tree gains outside an append (appends store theirs in
 * `chronicle_append`, migration 0022).
 */
export async function insertTreeHashes(
  db: Queryable,
  projectId: string,
  runs: TreeHashRuns,
): Promise<void> {
  if (runs.firstIndexes.length === 0) return;
  await db.query(
    `INSERT INTO merkle_hash_runs (project_id, first_idx, hashes)
     SELECT $1, r.first_idx, decode(r.hashes, 'hex')
     FROM unnest($2::bigint[], $3::text[]) AS r(first_idx, hashes)`,
    [projectId, runs.firstIndexes, runs.hashes],
  );
}

/** Adds the leaves of events `firstSeq`… (hex hashes in seq order) to the project's tree. */
export async function appendLeavesToTree(
  tx: Queryable,
  projectId: string,
  firstSeq: number,
  eventHashes: readonly string[],
): Promise<void> {
  if (eventHashes.length === 0) return;
  const size = firstSeq - 1;
  const frontier = await readHashes(tx, projectId, frontierNeeds(size));
  const added = appendHashes(size, eventHashes.map(eventLeafHash), frontier);
  await insertTreeHashes(tx, projectId, hashRuns(added));
}
