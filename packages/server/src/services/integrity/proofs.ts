import type { ConsistencyProof, InclusionProof } from "@chronicle/types";
import { invalidParameter, notFound, type ServiceError } from "../../domain/errors.js";
import { selectEventWorkspace } from "../../store/integrity.js";
import type { Store } from "../../store/types.js";
import { latestCheckpoint, type SignedCheckpoint } from "./checkpoints.js";
import { consistencyProof, leafWithProof } from "./merkle-store.js";

function tooLarge(parameter: string, detail: string): ServiceError {
  return invalidParameter(detail, { pointer: `/query/${parameter}`, detail, code: "maximum" });
}

async function signedSize(store: Store, projectId: string): Promise<number> {
  const checkpoint: SignedCheckpoint | null = await latestCheckpoint(store, projectId);
  return checkpoint?.tree_size ?? 0;
}

/**
 * The inclusion proof of event `seq` in the tree of `treeSize` (default the latest signed
 * size). With `workspaceId` (a viewer token) only that workspace's events are proven;
 * any other seq is not found, exactly like a missing one.
 */
export async function proveInclusion(
  store: Store,
  projectId: string,
  seq: number,
  options: { treeSize?: number; workspaceId?: string } = {},
): Promise<InclusionProof> {
  const latest = await signedSize(store, projectId);
  const size = options.treeSize ?? latest;
  if (size > latest) {
    throw tooLarge("tree_size", `tree_size must not exceed the latest checkpoint's (${latest})`);
  }
  if (seq > size) throw tooLarge("seq", `seq must not exceed the tree size (${size})`);
  if (options.workspaceId !== undefined) {
    const workspace = await selectEventWorkspace(store, projectId, seq);
    if (workspace === undefined || workspace !== options.workspaceId) throw notFound("Event");
  }
  const index = seq - 1;
  const { leaf, proof: hashes } = await leafWithProof(store, projectId, index, size);
  return {
    seq,
    leaf_index: index,
    tree_size: size,
    leaf_hash: leaf.toString("base64"),
    hashes: hashes.map((hash) => hash.toString("base64")),
  };
}

/** The consistency proof from `fromSize` to `toSize` (default the latest signed size). */
export async function proveConsistency(
  store: Store,
  projectId: string,
  fromSize: number,
  toSize?: number,
): Promise<ConsistencyProof> {
  const latest = await signedSize(store, projectId);
  const to = toSize ?? latest;
  if (to > latest) {
    throw tooLarge("to_size", `to_size must not exceed the latest checkpoint's (${latest})`);
  }
  if (fromSize > to) throw tooLarge("from_size", `from_size must not exceed to_size (${to})`);
  const hashes = await consistencyProof(store, projectId, fromSize, to);
  return {
    from_size: fromSize,
    to_size: to,
    hashes: hashes.map((hash) => hash.toString("base64")),
  };
}
