import {
  appendHashes,
  consistencyRanges,
  eventLeafHash,
  frontierNeeds,
  type Hash,
  type HashLookup,
  inclusionRanges,
  lookupIn,
  rangeHash,
  rangeNeeds,
  rootWithLeaves,
} from "../../domain/merkle.js";
import { appendLeavesToTree, hashRuns, readHashes, type TreeHashRuns } from "../../store/merkle.js";
import type { Queryable } from "../../store/types.js";

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
 * The frontier (the hashes `frontierNeeds(size)` lists) of each project's tree as this
 * process last extended it, keyed by the chain head it belongs to. The head hash commits to
 * every event before it (hash chain), so a frontier cached under the head an append finds
 * is that tree's frontier whoever appended since, and whether or not the transaction that
 * computed it committed; another head (another replica appended) is a miss and is read.
 * It saves the frontier read under the project lock on every append of a busy project.
 */
interface Frontier {
  size: number;
  head: string | null;
  hashes: Map<number, Hash>;
}
const frontiers = new Map<string, Frontier>();
const MAX_CACHED_FRONTIERS = 10_000;

async function frontierOf(
  db: Queryable,
  projectId: string,
  size: number,
  head: string | null,
): Promise<HashLookup> {
  const cached = frontiers.get(projectId);
  if (cached && cached.size === size && cached.head === head) return lookupIn(cached.hashes);
  return readHashes(db, projectId, frontierNeeds(size));
}

/**
 * Caches the frontier read with a chain head (store/events.ts readChainHeadWithFrontier),
 * so the append chained on that head needs no read of its own; one with a hash missing is
 * not cached (the append then reads it, and finds it missing or stored since).
 */
export function rememberFrontier(
  projectId: string,
  size: number,
  head: string | null,
  stored: ReadonlyMap<number, string>,
): void {
  const hashes = new Map<number, Hash>();
  for (const index of frontierNeeds(size)) {
    const hex = stored.get(index);
    if (hex === undefined) return;
    hashes.set(index, Buffer.from(hex, "hex"));
  }
  remember(projectId, { size, head, hashes });
}

function remember(projectId: string, frontier: Frontier): void {
  if (frontiers.size >= MAX_CACHED_FRONTIERS && !frontiers.has(projectId)) frontiers.clear();
  frontiers.set(projectId, frontier);
}

/**
 * The stored hashes appending events `size + 1`… (their hex hashes in seq order, the
 * chain head before them `head`) adds to the project's tree; the append path stores them
 * in the statement that records the events, inside its transaction and under its project
 * lock. Empty while tree maintenance is off.
 */
export async function treeGrowth(
  db: Queryable,
  projectId: string,
  size: number,
  head: string | null,
  eventHashes: readonly string[],
): Promise<TreeHashRuns> {
  return (
    cachedTreeGrowth(projectId, size, head, eventHashes) ??
    grow(projectId, size, eventHashes, await frontierOf(db, projectId, size, head))
  );
}

/**
 * `treeGrowth` without waiting, when this process extended the tree to `head` last (the
 * frontier is cached); undefined when the frontier has to be read. The append path chains
 * a project's next group on the head the group in flight will make (services/events/
 * event-append.ts): that head's hashes are not stored yet, only cached.
 */
export function cachedTreeGrowth(
  projectId: string,
  size: number,
  head: string | null,
  eventHashes: readonly string[],
): TreeHashRuns | undefined {
  if (eventHashes.length === 0 || !maintained) return { firstIndexes: [], hashes: [] };
  const cached = frontiers.get(projectId);
  if (!cached || cached.size !== size || cached.head !== head) return undefined;
  return grow(projectId, size, eventHashes, lookupIn(cached.hashes));
}

function grow(
  projectId: string,
  size: number,
  eventHashes: readonly string[],
  frontier: HashLookup,
): TreeHashRuns {
  const added = appendHashes(size, eventHashes.map(eventLeafHash), frontier);
  const newSize = size + eventHashes.length;
  const read = (index: number) => added.get(index) ?? frontier(index);
  remember(projectId, {
    size: newSize,
    head: eventHashes[eventHashes.length - 1] as string,
    hashes: new Map(frontierNeeds(newSize).map((index) => [index, read(index)])),
  });
  return hashRuns(added);
}

/** Adds the leaves of events `firstSeq`… (hex hashes in seq order) to the project's tree. */
export async function appendToTree(
  tx: Queryable,
  projectId: string,
  firstSeq: number,
  eventHashes: readonly string[],
): Promise<void> {
  if (maintained) await appendLeavesToTree(tx, projectId, firstSeq, eventHashes);
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

/**
 * The root of the tree of `size` and the consistency proof from the tree of `from` (none
 * when `from` is 0 or `size`), from one read of stored hashes.
 */
export async function rootWithConsistencyProof(
  db: Queryable,
  projectId: string,
  from: number,
  size: number,
): Promise<{ root: Hash; proof: Hash[] }> {
  const rootRange = { lo: 0, hi: size };
  const ranges = from === 0 || from === size ? [] : consistencyRanges(from, size);
  const stored = await readHashes(db, projectId, [rootRange, ...ranges].flatMap(rangeNeeds));
  return {
    root: rangeHash(rootRange, stored),
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
