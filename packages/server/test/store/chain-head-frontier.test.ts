import { createHash } from "node:crypto";
import {
  countingQueries,
  issueEvents,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendHashes,
  eventLeafHash,
  frontierNeeds,
  lookupIn,
  rootOfLeaves,
} from "../../src/domain/merkle.js";
import { ingestEvents, signLatest } from "../../src/services/index.js";
import { recordInTransaction } from "../../src/services/system/system-events.js";
import { readChainHeadWithFrontier } from "../../src/store/events.js";
import { appendLeavesToTree } from "../../src/store/merkle.js";

const eventHash = (i: number) => createHash("sha256").update(`leaf ${i}`).digest("hex");

/**
 * An append chained on the committed head reads the head and its tree's frontier in one
 * round trip (migration 0029): the frontier the database computes is the one
 * domain/merkle.ts `frontierNeeds` names, with the hashes the tree stores there.
 */
describe.each(STORE_KINDS)("the chain head with its frontier (%s)", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the tree has any size, then the frontier read with the head is frontierNeeds(size) with the stored hashes", async () => {
    const { projectId } = await newProject(t.store);
    const empty = await readChainHeadWithFrontier(t.store, projectId, false);
    expect(empty?.head.lastSeq).toBe(0);
    expect(empty?.frontier.size).toBe(0);

    const hashes: string[] = [];
    const sizes = [
      ...Array.from({ length: 70 }, (_, i) => i + 1),
      127,
      128,
      129,
      1000,
      1023,
      1024,
      1025,
      4097,
    ];
    for (const size of sizes) {
      const added = Array.from({ length: size - hashes.length }, (_, i) =>
        eventHash(hashes.length + i),
      );
      await appendLeavesToTree(t.store, projectId, hashes.length + 1, added);
      hashes.push(...added);
      await t.store.query("UPDATE projects SET last_seq = $2 WHERE project_id = $1", [
        projectId,
        size,
      ]);
      const tree = appendHashes(0, hashes.map(eventLeafHash), lookupIn(new Map()));
      const read = await readChainHeadWithFrontier(t.store, projectId, false);
      expect(read?.head.lastSeq).toBe(size);
      const expected = frontierNeeds(size).map((index) => [
        index,
        tree.get(index)?.toString("hex"),
      ]);
      expect(
        [...(read?.frontier ?? [])].sort(([a], [b]) => a - b),
        `size ${size}`,
      ).toEqual(expected.sort(([a], [b]) => (a as number) - (b as number)));
    }
  });

  it("when an append locks the head first, then the head and the frontier are one statement and the tree stays right", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(t.store, projectId, issueEvents(5));
    const sent = await t.store.transaction(async (tx) => {
      const counting = countingQueries(tx as unknown as Parameters<typeof countingQueries>[0]);
      await recordInTransaction(
        counting.store,
        projectId,
        { id: "usr_1", type: "user" },
        {
          action: "project.updated",
          target: { type: "project", id: projectId },
        },
      );
      return counting.statements;
    });
    expect(sent.filter((sql) => /chronicle_chain_head/.test(sql))).toHaveLength(1);
    expect(sent.filter((sql) => /merkle_hash_runs/.test(sql))).toHaveLength(0);
    expect(sent.filter((sql) => /chronicle_append/.test(sql))).toHaveLength(1);

    const rows = await t.store.query<{ hash: string }>(
      "SELECT hash FROM events WHERE project_id = $1 ORDER BY seq",
      [projectId],
    );
    expect(rows).toHaveLength(6);
    const checkpoint = await signLatest(t.store, projectId);
    expect(checkpoint.tree_size).toBe(6);
    const root = rootOfLeaves(rows.map((row) => eventLeafHash(row.hash)));
    expect(checkpoint.root_hash).toBe(root.toString("base64"));
  });

  it("when there is no such project, then nothing is read", async () => {
    await expect(readChainHeadWithFrontier(t.store, "prj_missing", true)).resolves.toBeUndefined();
  });
});
