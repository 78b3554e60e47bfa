import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  appendHashes,
  consistencyRanges,
  type Hash,
  inclusionRanges,
  leafHash,
  nodeHash,
  rangeHash,
  rootOfLeaves,
  rootWithLeaves,
  TreeBuilder,
  verifyConsistency,
  verifyInclusion,
} from "../../src/domain/merkle.js";

/** A tree of n leaves built as the append path builds it: batches over stored hashes. */
function build(n: number, batch: number) {
  const leaves: Hash[] = Array.from({ length: n }, (_, i) =>
    leafHash(createHash("sha256").update(`event ${i}`).digest()),
  );
  const stored = new Map<number, Hash>();
  const lookup = (index: number) => {
    const hash = stored.get(index);
    if (!hash) throw new Error(`missing ${index}`);
    return hash;
  };
  for (let size = 0; size < n; size += batch) {
    for (const [index, hash] of appendHashes(size, leaves.slice(size, size + batch), lookup)) {
      stored.set(index, hash);
    }
  }
  return { leaves, lookup, stored };
}

describe("the RFC 9162 Merkle tree in tlog storage", () => {
  const { leaves, lookup, stored } = build(70, 3);

  it("hashes a leaf as SHA-256(0x00 ‖ leaf) and a node as SHA-256(0x01 ‖ left ‖ right)", () => {
    const sha256 = (...parts: Uint8Array[]) => {
      const hash = createHash("sha256");
      for (const part of parts) hash.update(part);
      return hash.digest();
    };
    const [left, right] = [leaves[0] as Hash, leaves[1] as Hash];
    expect(leafHash(left)).toEqual(sha256(Buffer.of(0), left));
    expect(leafHash(new Uint8Array(0)).toString("hex")).toBe(
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    );
    expect(nodeHash(left, right)).toEqual(sha256(Buffer.of(1), left, right));
    expect(nodeHash(right, left)).not.toEqual(nodeHash(left, right));
    expect(new TreeBuilder().root().toString("hex")).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("when built in batches, then every prefix root equals the RFC 9162 MTH of its leaves", () => {
    for (let n = 1; n <= 70; n++) {
      expect(rangeHash({ lo: 0, hi: n }, lookup)).toEqual(rootOfLeaves(leaves.slice(0, n)));
    }
    // tlog.StoredHashCount(70) = 2·70 − popcount(70) = 137
    expect(stored.size).toBe(137);
  });

  it("when proving inclusion, then every leaf verifies at every size and a wrong leaf does not", () => {
    for (let n = 1; n <= 40; n++) {
      const root = rootOfLeaves(leaves.slice(0, n));
      for (let m = 0; m < n; m++) {
        const proof = inclusionRanges(m, n).map((range) => rangeHash(range, lookup));
        expect(verifyInclusion(m, n, leaves[m] as Hash, proof, root)).toBe(true);
        expect(verifyInclusion(m, n, leaves[(m + 1) % 70] as Hash, proof, root)).toBe(false);
      }
    }
  });

  it("when proving consistency, then every pair of sizes verifies and a forked tree does not", () => {
    const forked = [...leaves];
    forked[5] = leafHash(Buffer.from("forged"));
    for (let n = 1; n <= 40; n++) {
      const newRoot = rootOfLeaves(leaves.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const proof = m === n ? [] : consistencyRanges(m, n).map((r) => rangeHash(r, lookup));
        const oldRoot = rootOfLeaves(leaves.slice(0, m));
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof)).toBe(true);
        if (m > 5 && m < n) {
          expect(verifyConsistency(m, n, rootOfLeaves(forked.slice(0, m)), newRoot, proof)).toBe(
            false,
          );
        }
      }
    }
  });

  it("when a range of leaves is recomputed, then it rebuilds the root only if every leaf is the stored one", () => {
    const root = rootOfLeaves(leaves.slice(0, 50));
    for (const [lo, hi] of [
      [0, 50],
      [3, 17],
      [16, 32],
      [49, 50],
      [0, 1],
      [31, 45],
    ] as const) {
      const needs: number[] = [];
      rootWithLeaves(50, lo, leaves.slice(lo, hi), null, needs);
      expect(rootWithLeaves(50, lo, leaves.slice(lo, hi), lookup)).toEqual(root);
      const altered = leaves.slice(lo, hi);
      altered[altered.length - 1] = leafHash(Buffer.from("rewritten"));
      expect(rootWithLeaves(50, lo, altered, lookup)).not.toEqual(root);
      // Only the subtrees around the range are read: O(log n), not the whole tree.
      expect(new Set(needs).size).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(50)));
    }
  });
});
