import { createHash, randomUUID } from "node:crypto";
import { openTestStore, STORE_KINDS, type TestStore } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventLeafHash, rootOfLeaves } from "../../src/domain/merkle.js";
import { appendToTree, treeGrowth, treeRoot } from "../../src/services/integrity/merkle-store.js";
import { insertTreeHashes } from "../../src/store/merkle.js";

const eventHash = (label: string) => createHash("sha256").update(label).digest("hex");

describe.each(STORE_KINDS)("the append path's tree growth on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function expectRootsOf(projectId: string, hashes: readonly string[]) {
    const leaves = hashes.map(eventLeafHash);
    for (let size = 1; size <= hashes.length; size++) {
      expect(await treeRoot(t.store, projectId, size)).toEqual(rootOfLeaves(leaves.slice(0, size)));
    }
  }

  it("when other writers and rolled-back appends interleave, then every root is the RFC 9162 root of the events", async () => {
    const projectId = `prj_tree_${randomUUID()}`;
    const hashes = Array.from({ length: 13 }, (_, i) => eventHash(`${projectId} ${i}`));
    const grow = async (size: number, added: string[]) =>
      insertTreeHashes(
        t.store,
        projectId,
        await treeGrowth(
          t.store,
          projectId,
          size,
          size === 0 ? null : (hashes[size - 1] as string),
          added,
        ),
      );

    await grow(0, hashes.slice(0, 3));
    // Another replica appends 3…6: this process's frontier of size 3 is stale.
    await appendToTree(t.store, projectId, 4, hashes.slice(3, 7));
    await grow(7, hashes.slice(7, 10));
    await grow(10, hashes.slice(10, 12));
    // An append computed here whose transaction rolled back (never stored) …
    await treeGrowth(t.store, projectId, 12, hashes[11] as string, [eventHash("rolled back")]);
    // … then another replica appends a different event 13 on the same size.
    await appendToTree(t.store, projectId, 13, hashes.slice(12, 13));
    const last = eventHash(`${projectId} 13`);
    await grow(13, [last]);

    await expectRootsOf(projectId, [...hashes, last]);
  });
});
