import { createHash, randomUUID } from "node:crypto";
import {
  atRemovalClock,
  issueEvent,
  issueEvents,
  newProjectWithEvents,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendHashes,
  eventLeafHash,
  type Hash,
  lookupIn,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
} from "../../src/domain/merkle.js";
import {
  ingestEvents,
  proveConsistency,
  proveInclusion,
  purgeExpired,
  signLatest,
  updateProject,
} from "../../src/services/index.js";
import {
  consistencyProof,
  leafWithProof,
  treeRoot,
} from "../../src/services/integrity/merkle-store.js";
import {
  appendLeavesToTree,
  hashRuns,
  RUN_LENGTH,
  selectTreeHashes,
} from "../../src/store/merkle.js";

const DAY_MS = 86_400_000;
const eventHash = (label: string) => createHash("sha256").update(label).digest("hex");
const hashesOf = (projectId: string, count: number) =>
  Array.from({ length: count }, (_, i) => eventHash(`${projectId} ${i}`));

/** Every hash of the tree over `hashes`, by storage index, computed in memory. */
const fullTree = (hashes: readonly string[]) =>
  appendHashes(0, hashes.map(eventLeafHash), lookupIn(new Map()));

const hex = (tree: ReadonlyMap<number, Hash>) =>
  new Map([...tree].map(([index, hash]) => [index, hash.toString("hex")]));

describe("runs of a tree's new hashes", () => {
  const hashAt = (index: number) => createHash("sha256").update(String(index)).digest();

  it("when an append adds consecutive indexes, then they make runs of at most RUN_LENGTH hashes, in order", () => {
    const added = new Map(Array.from({ length: 150 }, (_, i) => [1000 + i, hashAt(1000 + i)]));
    const runs = hashRuns(added);
    expect(runs.firstIndexes).toEqual([1000, 1000 + RUN_LENGTH, 1000 + 2 * RUN_LENGTH]);
    expect(runs.hashes.map((run) => run.length / 64)).toEqual([RUN_LENGTH, RUN_LENGTH, 30]);
    expect(runs.hashes.join("")).toBe([...added.values()].map((h) => h.toString("hex")).join(""));
  });

  it("when the indexes have gaps or come unordered, then a run never crosses a gap", () => {
    const added = new Map([7, 3, 4, 5, 9].map((index) => [index, hashAt(index)]));
    const runs = hashRuns(added);
    expect(runs.firstIndexes).toEqual([3, 7, 9]);
    expect(runs.hashes.map((run) => run.length / 64)).toEqual([3, 1, 1]);
    expect(runs.hashes[0]).toBe([3, 4, 5].map((i) => hashAt(i).toString("hex")).join(""));
  });
});

describe.each(STORE_KINDS)("the Merkle tree stored as runs on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const runsOf = (projectId: string) =>
    t.store.query<{ first_idx: string; count: number }>(
      `SELECT first_idx, octet_length(hashes) / 32 AS count FROM merkle_hash_runs
       WHERE project_id = $1 ORDER BY first_idx`,
      [projectId],
    );

  /** Stores the tree over `hashes` one hash per row, as before migration 0022. */
  async function storeAsRows(projectId: string, hashes: readonly string[]) {
    const tree = fullTree(hashes);
    await t.store.query(
      `INSERT INTO merkle_hashes (project_id, idx, hash)
       SELECT $1, h.idx, decode(h.hash, 'hex') FROM unnest($2::bigint[], $3::text[]) AS h(idx, hash)`,
      [projectId, [...tree.keys()], [...tree.values()].map((hash) => hash.toString("hex"))],
    );
    return tree;
  }

  async function expectTree(projectId: string, hashes: readonly string[]) {
    const expected = hex(fullTree(hashes));
    const last = Math.max(...expected.keys());
    const everyIndex = Array.from({ length: last + 3 }, (_, i) => i);
    expect(await selectTreeHashes(t.store, projectId, everyIndex)).toEqual(expected);
    const leaves = hashes.map(eventLeafHash);
    // Sizes around the appends' and the runs' boundaries of the trees below, and the whole.
    const sizes = [1, 2, 7, 8, 10, 11, 67, 68, 69, 100, 168, 169, 170, hashes.length];
    for (const size of sizes.filter((n) => n <= hashes.length)) {
      const root = rootOfLeaves(leaves, 0, size);
      expect(await treeRoot(t.store, projectId, size)).toEqual(root);
      for (const index of [0, size >> 1, size - 1]) {
        const { leaf, proof } = await leafWithProof(t.store, projectId, index, size);
        expect(leaf).toEqual(leaves[index]);
        expect(verifyInclusion(index, size, leaf, proof, root)).toBe(true);
      }
    }
    const oldSize = Math.floor(hashes.length / 3);
    const proof = await consistencyProof(t.store, projectId, oldSize, hashes.length);
    const [oldRoot, newRoot] = [oldSize, hashes.length].map((n) => rootOfLeaves(leaves, 0, n));
    expect(verifyConsistency(oldSize, hashes.length, oldRoot as Hash, newRoot as Hash, proof)).toBe(
      true,
    );
  }

  it("when a tree grows over appends of many sizes, then every hash reads back from its run, at and across run boundaries, and every proof verifies", async () => {
    const projectId = `prj_runs_${randomUUID()}`;
    const hashes = hashesOf(projectId, 300);
    let seq = 1;
    for (const size of [1, 1, 5, 60, 1, 100, 2, 130]) {
      await appendLeavesToTree(t.store, projectId, seq, hashes.slice(seq - 1, seq - 1 + size));
      seq += size;
    }
    const runs = await runsOf(projectId);
    // Each append writes its hashes as consecutive runs: as few rows as RUN_LENGTH allows.
    expect(runs.length).toBeLessThan(fullTree(hashes).size / 10);
    expect(runs.some((run) => Number(run.count) === RUN_LENGTH)).toBe(true);
    runs.slice(1).forEach((run, i) => {
      const before = runs[i] as { first_idx: string; count: number };
      expect(Number(run.first_idx)).toBe(Number(before.first_idx) + Number(before.count));
    });
    await expectTree(projectId, hashes);
  });

  it("when the tree's start is stored one hash per row (before runs), then it is still read and appends go on from it", async () => {
    const projectId = `prj_legacy_${randomUUID()}`;
    const hashes = hashesOf(projectId, 150);
    const legacy = await storeAsRows(projectId, hashes.slice(0, 70));
    await appendLeavesToTree(t.store, projectId, 71, hashes.slice(70, 71));
    await appendLeavesToTree(t.store, projectId, 72, hashes.slice(71));
    expect(Number((await runsOf(projectId))[0]?.first_idx)).toBe(legacy.size);
    await expectTree(projectId, hashes);
  });

  it("when a run would overlap stored hashes, then it is refused and nothing is shadowed", async () => {
    const projectId = `prj_overlap_${randomUUID()}`;
    const hashes = hashesOf(projectId, 40);
    await storeAsRows(projectId, hashes.slice(0, 10));
    await appendLeavesToTree(t.store, projectId, 11, hashes.slice(10));
    const [first] = await runsOf(projectId);
    const start = Number(first?.first_idx);
    const forged = createHash("sha256").update("forged").digest();
    for (const [at, count] of [
      [start + 1, 1], // inside a run
      [start - 2, 4], // over old rows and into a run
      [3, 1], // over old rows alone
      [start, 1], // a run's own start
    ] as const) {
      await expect(
        t.store.query(
          "INSERT INTO merkle_hash_runs (project_id, first_idx, hashes) VALUES ($1, $2, $3)",
          [projectId, at, Buffer.concat(Array.from({ length: count }, () => forged))],
        ),
      ).rejects.toThrow(/append-only|duplicate key/);
    }
    await expect(
      t.store.query(
        "INSERT INTO merkle_hash_runs (project_id, first_idx, hashes) VALUES ($1, 1000, $2)",
        [projectId, Buffer.alloc(31)],
      ),
    ).rejects.toThrow(/check constraint/);
    await expectTree(projectId, hashes);
  });

  it("when events are purged, then their inclusion proofs and the consistency proofs still verify against signed checkpoints", async () => {
    const { projectId } = await newProjectWithEvents(t.store, issueEvents(25));
    const before = await signLatest(t.store, projectId);
    await updateProject(t.store, projectId, { retention_days: 1 });
    await atRemovalClock(t.store, new Date(Date.now() + 3 * DAY_MS), () => purgeExpired(t.store));
    await ingestEvents(t.store, projectId, [issueEvent(100), issueEvent(101)]);
    const after = await signLatest(t.store, projectId);
    expect(after.tree_size).toBe(27);
    const root = Buffer.from(after.root_hash, "base64");
    for (const seq of [1, 13, 25, 27]) {
      const proof = await proveInclusion(t.store, projectId, seq);
      const path = proof.hashes.map((h) => Buffer.from(h, "base64"));
      const leaf = Buffer.from(proof.leaf_hash, "base64");
      expect(verifyInclusion(seq - 1, 27, leaf, path, root)).toBe(true);
    }
    const consistency = await proveConsistency(t.store, projectId, 25, 27);
    expect(
      verifyConsistency(
        25,
        27,
        Buffer.from(before.root_hash, "base64"),
        root,
        consistency.hashes.map((h) => Buffer.from(h, "base64")),
      ),
    ).toBe(true);
  });
});
