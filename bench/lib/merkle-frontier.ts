import type pg from "pg";
import {
  appendHashes,
  eventLeafHash,
  frontierNeeds,
  type Hash,
  lookupIn,
} from "../../packages/server/src/domain/merkle.js";
import { selectEventHashes } from "../../packages/server/src/store/integrity.js";
import { hashRuns, insertTreeHashes } from "../../packages/server/src/store/merkle.js";
import { queryable } from "./postgres.js";

const CHUNK = 20_000;

/**
 * Stores only the frontier of a project's Merkle tree over its events 1…lastSeq: the
 * hashes an append reads (`frontierNeeds`), computed by streaming every leaf through memory
 * and keeping no more than the frontier. Appends then extend the tree correctly; proofs of
 * the seeded events cannot be served. For the very large seeded projects, where storing
 * every node (buildTree) would take minutes of the run.
 */
export async function storeTreeFrontier(
  client: pg.PoolClient,
  projectId: string,
  lastSeq: number,
  chunk = CHUNK,
): Promise<number> {
  const db = queryable(client);
  let nodes = new Map<number, Hash>();
  let size = 0;
  for (let from = 1; from <= lastSeq; from += chunk) {
    const hashes = await selectEventHashes(
      db,
      projectId,
      from,
      Math.min(from + chunk, lastSeq + 1),
    );
    const added = appendHashes(size, hashes.map(eventLeafHash), lookupIn(nodes));
    for (const [index, hash] of added) nodes.set(index, hash);
    size += hashes.length;
    const keep = frontierNeeds(size);
    nodes = new Map(keep.map((index) => [index, nodes.get(index) as Hash]));
  }
  if (size !== lastSeq) throw new Error(`${projectId}: ${size} events found, ${lastSeq} expected`);
  await insertTreeHashes(db, projectId, hashRuns(nodes));
  return nodes.size;
}
