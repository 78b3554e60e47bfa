import { selectEventHashes, selectProjectsFromChainStart } from "./integrity.js";
import { appendLeavesToTree } from "./merkle.js";
import type { Queryable } from "./types.js";

const CHUNK = 20_000;

/**
 * Builds the Merkle tree of every project whose events predate migration 0006. A project
 * whose chain start was already purged cannot be rebuilt (the leaves are gone): its tree
 * stays empty and its checkpoints start failing loudly rather than vouching for a guess.
 */
export async function backfillTrees(db: Queryable): Promise<void> {
  const projects = await selectProjectsFromChainStart(db);
  for (const project of projects) await buildTree(db, project.project_id, Number(project.last_seq));
}

/** Builds one project's tree from its events 1…lastSeq (which must all be there), in chunks. */
export async function buildTree(db: Queryable, projectId: string, lastSeq: number): Promise<void> {
  for (let from = 1; from <= lastSeq; from += CHUNK) {
    const hashes = await selectEventHashes(db, projectId, from, from + CHUNK);
    await appendLeavesToTree(db, projectId, from, hashes);
  }
}
