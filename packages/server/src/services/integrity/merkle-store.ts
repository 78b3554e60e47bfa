import type { Queryable } from "../../store/types.js";
import {
  appendHashes,
  consistencyRanges,
  eventLeafHash,
  frontierNeeds,
  type Hash,
  type HashLookup,
  inclusionRanges,
  rangeHash,
  rangeNeeds,
  rootWithLeaves,
} from "./merkle.js";

/** Reads stored hashes of a project's tree in one query; throws if one is missing. */
export async function readHashes(
  db: Queryable,
  projectId: string,
  indexes: readonly number[],
): Promise<HashLookup> {
  const unique = [...new Set(indexes)];
  const found = new Map<number, Hash>();
  if (unique.length > 0) {
    const rows = await db.query<{ idx: string | number; hash: string }>(
      "SELECT idx, encode(hash, 'hex') AS hash FROM merkle_hashes WHERE project_id = $1 AND idx = ANY($2::bigint[])",
      [projectId, unique],
    );
    for (const row of rows) found.set(Number(row.idx), Buffer.from(row.hash, "hex"));
  }
  return (index) => {
    const hash = found.get(index);
    if (!hash) throw new MissingTreeHash(index);
    return hash;
  };
}

export class MissingTreeHash extends Error {
  constructor(readonly index: number) {
    super(`the Merkle tree has no stored hash ${index}`);
  }
}

let maintained = true;

/**
 * Turns tree maintenance off and on in this process: only for the benchmark that measures
 * what maintaining the tree costs (bench/workloads/integrity.ts). A project appended to
 * while it is off has a tree that no longer matches its events.
 */
export function setTreeMaintenance(on: boolean): void {
  maintained = on;
}

/**
 * The append path's hook: adds the leaves of events `firstSeq`… (their hex hashes, in seq
 * order) to the project's tree, inside the append's transaction and under its project lock.
 * Two statements: the frontier it builds on, and every new stored hash.
 */
export async function appendToTree(
  tx: Queryable,
  projectId: string,
  firstSeq: number,
  eventHashes: readonly string[],
): Promise<void> {
  if (eventHashes.length === 0 || !maintained) return;
  const size = firstSeq - 1;
  const frontier = await readHashes(tx, projectId, frontierNeeds(size));
  const added = appendHashes(size, eventHashes.map(eventLeafHash), frontier);
  await tx.query(
    `INSERT INTO merkle_hashes (project_id, idx, hash)
     SELECT $1, h.idx, decode(h.hash, 'hex') FROM unnest($2::bigint[], $3::text[]) AS h(idx, hash)`,
    [projectId, [...added.keys()], [...added.values()].map((hash) => hash.toString("hex"))],
  );
}

export async function treeRoot(db: Queryable, projectId: string, size: number): Promise<Hash> {
  const range = { lo: 0, hi: size };
  return rangeHash(range, await readHashes(db, projectId, rangeNeeds(range)));
}

async function proofOf(db: Queryable, projectId: string, ranges: { lo: number; hi: number }[]) {
  const stored = await readHashes(db, projectId, ranges.flatMap(rangeNeeds));
  return ranges.map((range) => rangeHash(range, stored));
}

export function inclusionProof(db: Queryable, projectId: string, index: number, size: number) {
  return proofOf(db, projectId, inclusionRanges(index, size));
}

/** The stored leaf at `index` and its inclusion proof in the tree of `size`, in one query. */
export async function leafWithProof(
  db: Queryable,
  projectId: string,
  index: number,
  size: number,
): Promise<{ leaf: Hash; proof: Hash[] }> {
  const leafRange = { lo: index, hi: index + 1 };
  const ranges = inclusionRanges(index, size);
  const stored = await readHashes(db, projectId, [leafRange, ...ranges].flatMap(rangeNeeds));
  return {
    leaf: rangeHash(leafRange, stored),
    proof: ranges.map((range) => rangeHash(range, stored)),
  };
}

export function consistencyProof(db: Queryable, projectId: string, from: number, to: number) {
  return from === 0 || from === to
    ? Promise.resolve([])
    : proofOf(db, projectId, consistencyRanges(from, to));
}

/** The stored leaf hash at `index`. */
export async function storedLeaf(db: Queryable, projectId: string, index: number): Promise<Hash> {
  const range = { lo: index, hi: index + 1 };
  return rangeHash(range, await readHashes(db, projectId, rangeNeeds(range)));
}

/**
 * The root of the tree of `size` with leaves `lo`… replaced by `leaves` (recomputed from
 * the events), everything else from storage: equal to a signed root only if those leaves
 * are the signed tree's.
 */
export async function rootOverLeaves(
  db: Queryable,
  projectId: string,
  size: number,
  lo: number,
  leaves: readonly Hash[],
): Promise<Hash> {
  const needs: number[] = [];
  rootWithLeaves(size, lo, leaves, null, needs);
  return rootWithLeaves(size, lo, leaves, await readHashes(db, projectId, needs));
}
