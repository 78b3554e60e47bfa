import {
  countingQueries,
  issueEvents,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import { ingestEvents, latestCheckpoint, proveInclusion } from "../../src/services/index.js";
import { rememberSignedSize } from "../../src/services/integrity/signed-sizes.js";

/**
 * A verifier asks for proofs at the size of the checkpoint it holds. Signed sizes only grow,
 * so a size at or below one the process has seen signed is proven without reading the tree
 * head: the stored hashes alone.
 */
describe.each(STORE_KINDS)("inclusion proofs at a signed size (%s)", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the size asked was seen signed, then the proof is the same and only the stored hashes are read", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(t.store, projectId, issueEvents(20));
    const checkpoint = await latestCheckpoint(t.store, projectId);
    const size = checkpoint?.tree_size as number;
    expect(size).toBeGreaterThanOrEqual(20);
    const fromHead = await proveInclusion(t.store, projectId, 7);
    expect(fromHead.tree_size).toBe(size);

    const { store, statements: sent } = countingQueries(t.store, { shareCaches: true });
    const atSize = await proveInclusion(store, projectId, 7, { treeSize: size });
    expect(atSize).toEqual(fromHead);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toMatch(/checkpoints|last_seq/);
    // An older size of the same tree, too.
    sent.length = 0;
    const older = await proveInclusion(store, projectId, 7, { treeSize: 9 });
    expect(older.tree_size).toBe(9);
    expect(sent).toHaveLength(1);
  });

  it("when the size asked is above the one seen signed, then the head decides (a new checkpoint is signed on demand)", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(t.store, projectId, issueEvents(5));
    const first = (await latestCheckpoint(t.store, projectId))?.tree_size as number;
    await ingestEvents(t.store, projectId, issueEvents(5));
    const { store, statements: sent } = countingQueries(t.store, { shareCaches: true });
    const proof = await proveInclusion(store, projectId, 3, { treeSize: first + 5 });
    expect(proof.tree_size).toBe(first + 5);
    expect(sent.length).toBeGreaterThan(1);
    expect((await latestCheckpoint(t.store, projectId))?.tree_size).toBe(first + 5);
  });

  it("when a seq beyond the size or another workspace's event is asked at a signed size, then it is refused as before", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(
      t.store,
      projectId,
      issueEvents(6, (n) => ({ workspace_id: n % 2 === 0 ? "ws_even" : "ws_odd" })),
    );
    const size = (await latestCheckpoint(t.store, projectId))?.tree_size as number;
    await expect(
      proveInclusion(t.store, projectId, size + 1, { treeSize: size }),
    ).rejects.toMatchObject({ code: "invalid_parameter" });
    const [row] = await t.store.query<{ seq: number; workspace_id: string }>(
      "SELECT seq, workspace_id FROM events WHERE project_id = $1 AND workspace_id = 'ws_even' ORDER BY seq LIMIT 1",
      [projectId],
    );
    const seq = Number(row?.seq);
    await expect(
      proveInclusion(t.store, projectId, seq, { treeSize: size, workspaceId: "ws_odd" }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      proveInclusion(t.store, projectId, seq, { treeSize: size, workspaceId: "ws_even" }),
    ).resolves.toMatchObject({ seq, tree_size: size });
  });

  it("when storage no longer holds a size remembered as signed (a restored database), then the head decides and the size is refused", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(t.store, projectId, issueEvents(4));
    const size = (await latestCheckpoint(t.store, projectId))?.tree_size as number;
    rememberSignedSize(t.store, projectId, 5_000);
    const refused = await proveInclusion(t.store, projectId, 2, { treeSize: 4_000 }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ServiceError);
    expect(refused).toMatchObject({ code: "invalid_parameter" });
    expect((refused as ServiceError).message).toContain(`(${size})`);
    await expect(proveInclusion(t.store, projectId, 2, { treeSize: size })).resolves.toMatchObject({
      tree_size: size,
    });
  });
});
