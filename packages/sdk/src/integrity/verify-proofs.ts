import { fromBase64 } from "../core/base64.js";
import {
  type Checkpoint,
  CheckpointError,
  type CheckpointOptions,
  checkOrigin,
  isVerifiedCheckpoint,
  type VerifierKeyString,
  verifyCheckpoint,
} from "./checkpoint.js";
import { eventLeafHash, verifyConsistencyPath, verifyInclusionPath } from "./merkle.js";

/** An inclusion proof as `GET /v1/integrity/proofs/inclusion` answers it. */
export interface InclusionProofLike {
  leaf_index: number;
  tree_size: number;
  hashes: readonly string[];
}

/** A consistency proof as `GET /v1/integrity/proofs/consistency` answers it. */
export interface ConsistencyProofLike {
  from_size: number;
  to_size: number;
  hashes: readonly string[];
}

/**
 * A checkpoint as the server answers it (its `note`, verified with the keys given), or one
 * verifyCheckpoint returned (taken as verified).
 */
export type CheckpointLike = { note: string } | Checkpoint;

async function opened(
  checkpoint: CheckpointLike,
  keys: readonly VerifierKeyString[],
  options: CheckpointOptions,
): Promise<Checkpoint> {
  // Only a checkpoint verifyCheckpoint returned is trusted as it is: anything else, however
  // it looks, has its note verified with `keys`.
  if (!isVerifiedCheckpoint(checkpoint)) return verifyCheckpoint(checkpoint.note, keys, options);
  checkOrigin(checkpoint, options);
  return checkpoint;
}

/**
 * Does `event` belong to the log the signed `checkpoint` describes? Recomputes nothing the
 * server says but the proof's hashes: the leaf comes from the event's own `hash` (check that
 * against its content with `hashEvent`), the root from the checkpoint, whose signature is
 * checked with `keys`. Throws CheckpointError for a checkpoint no key signed, or of another
 * log than `options.origin` (a note or a checkpoint verifyCheckpoint returned alike).
 */
export async function verifyInclusion(
  event: { seq: number; hash: string },
  proof: InclusionProofLike,
  checkpoint: CheckpointLike,
  keys: readonly VerifierKeyString[] = [],
  options: CheckpointOptions = {},
): Promise<boolean> {
  const head = await opened(checkpoint, keys, options);
  if (proof.tree_size !== head.treeSize || proof.leaf_index !== event.seq - 1) return false;
  return verifyInclusionPath(
    proof.leaf_index,
    head.treeSize,
    await eventLeafHash(event.hash),
    proof.hashes.map(fromBase64),
    head.rootHash,
  );
}

/**
 * Is the tree of `newer` an append-only extension of the tree of `older`? Both are
 * verified checkpoints (`verifyCheckpoint`), of the same log: two of different logs, or
 * of another log than `options.origin`, are refused with CheckpointError.
 */
export async function verifyConsistency(
  older: Checkpoint,
  newer: Checkpoint,
  proof: ConsistencyProofLike,
  options: CheckpointOptions = {},
): Promise<boolean> {
  if (!isVerifiedCheckpoint(older) || !isVerifiedCheckpoint(newer)) {
    throw new CheckpointError("verify both checkpoints with verifyCheckpoint first");
  }
  if (older.origin !== newer.origin) throw new CheckpointError("checkpoints of different logs");
  checkOrigin(older, options);
  if (proof.from_size !== older.treeSize || proof.to_size !== newer.treeSize) return false;
  return verifyConsistencyPath(
    older.treeSize,
    newer.treeSize,
    older.rootHash,
    newer.rootHash,
    proof.hashes.map(fromBase64),
  );
}
