import { hash as digest } from "node:crypto";

/**
 * The RFC 9162 §2.1 Merkle tree of a project's events (leaf index = seq − 1), stored the
 * way Go's `golang.org/x/mod/sumdb/tlog` stores it: every complete subtree's hash under one
 * integer index (`storedHashIndex`), so a tree of n leaves holds about 2n hashes and any
 * root or proof needs O(log n) of them. The tree math is written here rather than taken
 * from a library because it is the product's core and must match tlog's storage layout.
 *
 * Everything below is pure: functions that need stored hashes first say which indexes they
 * need (`…Needs`), the caller reads those in one query, then computes with a lookup.
 */

export type Hash = Buffer;

/** Stored hashes by storage index, as read from the database. */
export type HashLookup = (index: number) => Hash;

/** A lookup over hashes already read; throws `MissingTreeHash` for an index not among them. */
export function lookupIn(hashes: ReadonlyMap<number, Hash>): HashLookup {
  return (index) => {
    const hash = hashes.get(index);
    if (!hash) throw new MissingTreeHash(index);
    return hash;
  };
}

export class MissingTreeHash extends Error {
  constructor(readonly index: number) {
    super(`the Merkle tree has no stored hash ${index}`);
  }
}

// One-shot hashes of one buffer: a Hash object per leaf or node cost more than the hashing.
const sha256 = (input: Uint8Array): Hash => digest("sha256", input, "buffer");

export function leafHash(data: Uint8Array): Hash {
  const input = Buffer.allocUnsafe(1 + data.length);
  input[0] = 0;
  input.set(data, 1);
  return sha256(input);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/** The leaf hash of an event: over the 32 bytes of its hex `hash`. */
export function eventLeafHash(eventHashHex: string): Hash {
  return leafHash(Buffer.from(eventHashHex, "hex"));
}

/** tlog.StoredHashIndex: where the hash of subtree `n` at `level` is stored. */
export function storedHashIndex(level: number, n: number): number {
  let m = n;
  for (let l = level; l > 0; l--) m = 2 * m + 1;
  let index = 0;
  while (m > 0) {
    index += m;
    m = Math.floor(m / 2);
  }
  return index + level;
}

/** The largest power of two ≤ n (n ≥ 1). */
function floorPow2(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

/** The largest power of two < n (n ≥ 2), as RFC 9162's k. */
function splitPoint(n: number): number {
  const k = floorPow2(n);
  return k === n ? k / 2 : k;
}

/**
 * A range of leaves [lo, hi) whose hash a proof carries. Ranges that come out of RFC 9162's
 * recursion decompose into aligned complete subtrees, each one stored hash.
 */
export interface LeafRange {
  lo: number;
  hi: number;
}

/** The complete subtrees that make up [lo, hi), left to right, as (level, index). */
function completeSubtrees({ lo, hi }: LeafRange): { level: number; n: number }[] {
  const parts: { level: number; n: number }[] = [];
  let start = lo;
  while (start < hi) {
    const size = floorPow2(hi - start);
    const level = Math.log2(size);
    parts.push({ level, n: start / size });
    start += size;
  }
  return parts;
}

export function rangeNeeds(range: LeafRange): number[] {
  return completeSubtrees(range).map(({ level, n }) => storedHashIndex(level, n));
}

/** The hash of [lo, hi) from the stored hashes of its complete subtrees (tlog's subTreeHash). */
export function rangeHash(range: LeafRange, stored: HashLookup): Hash {
  const indexes = rangeNeeds(range);
  let hash = stored(indexes[indexes.length - 1] as number);
  for (let i = indexes.length - 2; i >= 0; i--) hash = nodeHash(stored(indexes[i] as number), hash);
  return hash;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[0:n]): the ranges whose hashes form the inclusion proof. */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  const path: LeafRange[] = [];
  let lo = 0;
  let hi = n;
  let index = m;
  // Walk down from the root; the proof lists siblings bottom-up, so collect then reverse.
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < k) {
      path.push({ lo: lo + k, hi });
      hi = lo + k;
    } else {
      path.push({ lo, hi: lo + k });
      lo += k;
      index -= k;
    }
  }
  return path.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]) for 0 < m < n: the ranges of the consistency proof. */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  const proof: LeafRange[] = [];
  let lo = 0;
  let hi = n;
  let size = m;
  let complete = true;
  while (size !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (size <= k) {
      proof.push({ lo: lo + k, hi });
      hi = lo + k;
    } else {
      proof.push({ lo, hi: lo + k });
      lo += k;
      size -= k;
      complete = false;
    }
  }
  if (!complete) proof.push({ lo, hi });
  return proof.reverse();
}

/** RFC 9162 §2.1.3.2: does `leaf` at `index` belong to the tree of `size` with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else r = nodeHash(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(Buffer.from(root));
}

/** RFC 9162 §2.1.4.2: is the tree (`newSize`, `newRoot`) an extension of (`oldSize`, `oldRoot`)? */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
  if (oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && same(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = [...proof];
  if (floorPow2(oldSize) === oldSize) path.unshift(oldRoot);
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0] as Uint8Array;
  let sr: Uint8Array = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else sr = nodeHash(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, oldRoot) && same(sr, newRoot);
}

/**
 * The stored hashes that appending `leaves` to a tree of `size` leaves adds, keyed by index
 * (tlog.StoredHashesForRecordHash over a batch). Needs the tree's frontier: `frontierNeeds`.
 */
export function frontierNeeds(size: number): number[] {
  return completeSubtrees({ lo: 0, hi: size }).map(({ level, n }) => storedHashIndex(level, n));
}

export function appendHashes(
  size: number,
  leaves: readonly Hash[],
  stored: HashLookup,
): Map<number, Hash> {
  const added = new Map<number, Hash>();
  const read = (index: number) => added.get(index) ?? stored(index);
  let n = size;
  for (const leaf of leaves) {
    let hash = leaf;
    added.set(storedHashIndex(0, n), hash);
    // Each trailing 1 bit of n closes a complete subtree with its left sibling.
    for (let level = 0, m = n; m % 2 === 1; level++, m = Math.floor(m / 2)) {
      hash = nodeHash(read(storedHashIndex(level, m - 1)), hash);
      added.set(storedHashIndex(level + 1, Math.floor(m / 2)), hash);
    }
    n += 1;
  }
  return added;
}

/** The root of leaves [lo, hi) computed from the leaf hashes themselves (RFC 9162 MTH). */
export function rootOfLeaves(leaves: readonly Hash[], lo = 0, hi = leaves.length): Hash {
  if (hi - lo === 1) return leaves[lo] as Hash;
  const k = splitPoint(hi - lo);
  return nodeHash(rootOfLeaves(leaves, lo, lo + k), rootOfLeaves(leaves, lo + k, hi));
}

/**
 * The root of the tree of `size` leaves in which leaves [lo, lo + leaves.length) are the
 * given (recomputed) ones and every subtree outside them comes from storage. Equal to a
 * signed root, it proves those leaves are the signed tree's, whatever storage holds
 * elsewhere: a Merkle proof for a whole range. Call with `stored = null` to get the
 * storage indexes it needs.
 */
export function rootWithLeaves(
  size: number,
  lo: number,
  leaves: readonly Hash[],
  stored: HashLookup | null,
  needs: number[] = [],
): Hash {
  const hi = lo + leaves.length;
  const placeholder = Buffer.alloc(32);
  const walk = (a: number, b: number): Hash => {
    if (b <= lo || a >= hi) {
      if (stored === null) {
        needs.push(...rangeNeeds({ lo: a, hi: b }));
        return placeholder;
      }
      return rangeHash({ lo: a, hi: b }, stored);
    }
    if (lo <= a && b <= hi)
      return stored === null ? placeholder : rootOfLeaves(leaves, a - lo, b - lo);
    const k = splitPoint(b - a);
    return nodeHash(walk(a, a + k), walk(a + k, b));
  };
  return walk(0, size);
}

/**
 * The root of a tree built one leaf at a time in O(log n) memory: the hashes of its
 * complete subtrees, largest first, merged as they fill (for offline verification of an
 * export of any size).
 */
export class TreeBuilder {
  readonly #subtrees: { level: number; hash: Hash }[] = [];
  size = 0;

  push(leaf: Hash): void {
    let node = { level: 0, hash: leaf };
    let top = this.#subtrees[this.#subtrees.length - 1];
    while (top && top.level === node.level) {
      this.#subtrees.pop();
      node = { level: node.level + 1, hash: nodeHash(top.hash, node.hash) };
      top = this.#subtrees[this.#subtrees.length - 1];
    }
    this.#subtrees.push(node);
    this.size += 1;
  }

  root(): Hash {
    if (this.size === 0) return sha256(new Uint8Array(0));
    let hash = (this.#subtrees[this.#subtrees.length - 1] as { hash: Hash }).hash;
    for (let i = this.#subtrees.length - 2; i >= 0; i--) {
      hash = nodeHash((this.#subtrees[i] as { hash: Hash }).hash, hash);
    }
    return hash;
  }
}
