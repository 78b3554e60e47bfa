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
 * The stored hashes of a project's Merkle tree (table `merkle_hashes`, migration 0006): one
 * row per complete subtree, under its tlog storage index.
 */

/**
 * One primary-key probe per wanted index. Written as a LATERAL join rather than
 * `idx = ANY($2)`: for a project the statistics have not seen yet (every new or fast-growing
 * project), PostgreSQL estimates one row for `project_id = $1`, keeps `idx = ANY(…)` out of
 * the index condition and filters every stored hash of the project, a cost that grows with
 * the tree (about 100 ms at 100 k hashes, under the append's project lock). The lateral
 * probe (kept a subquery by its LIMIT, so it is not flattened into a join the same estimate
 * would order wrongly) uses both key columns whatever the estimate.
 */
const SELECT_HASHES = prepared(`
SELECT n.idx, encode(m.hash, 'hex') AS hash
FROM unnest($2::bigint[]) AS n(idx)
CROSS JOIN LATERAL (
  SELECT hash FROM merkle_hashes WHERE project_id = $1 AND idx = n.idx LIMIT 1
) AS m`);

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

/** Hashes a tree of `projectId` gains, as parallel arrays of storage index and hex hash. */
export interface TreeHashRows {
  indexes: number[];
  hashes: string[];
}

/**
 * Stores hashes a project's tree gains outside an append (appends store theirs in
 * `chronicle_append`, migration 0009).
 */
export async function insertTreeHashes(
  db: Queryable,
  projectId: string,
  rows: TreeHashRows,
): Promise<void> {
  if (rows.indexes.length === 0) return;
  await db.query(
    `INSERT INTO merkle_hashes (project_id, idx, hash)
     SELECT $1, h.idx, decode(h.hash, 'hex') FROM unnest($2::bigint[], $3::text[]) AS h(idx, hash)`,
    [projectId, rows.indexes, rows.hashes],
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
  await insertTreeHashes(tx, projectId, {
    indexes: [...added.keys()],
    hashes: [...added.values()].map((hash) => hash.toString("hex")),
  });
}
