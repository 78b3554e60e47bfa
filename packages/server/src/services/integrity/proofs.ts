import type { ConsistencyProof, InclusionProof } from "@chronicle/types";
import { invalidParameter, notFound, type ServiceError } from "../../domain/errors.js";
import { MissingTreeHash } from "../../domain/merkle.js";
import { selectEventWorkspace } from "../../store/integrity.js";
import type { Store } from "../../store/types.js";
import { latestCheckpoint, type SignedCheckpoint } from "./checkpoints.js";
import { consistencyProof, leafWithProof } from "./merkle-store.js";
import { forgetSignedSize, knownSignedSize, rememberSignedSize } from "./signed-sizes.js";

function tooLarge(parameter: string, detail: string): ServiceError {
  return invalidParameter(detail, { pointer: `/query/${parameter}`, detail, code: "maximum" });
}

async function signedSize(store: Store, projectId: string): Promise<number> {
  const checkpoint: SignedCheckpoint | null = await latestCheckpoint(store, projectId);
  return checkpoint?.tree_size ?? 0;
}

/**
 * The size a proof will most likely be served at: the one asked for, or else the latest
 * this process last found. A size above that latest is likely refused, so nothing is read
 * for it before the head says.
 */
function likelySize(
  store: Store,
  projectId: string,
  asked: number | undefined,
): number | undefined {
  const latest = knownSignedSize(store, projectId);
  if (latest === undefined) return undefined;
  return asked === undefined || asked <= latest ? (asked ?? latest) : undefined;
}

/** A read started early whose outcome is looked at later (or never): it cannot go unhandled. */
type Outcome<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;

function started<T>(read: () => Promise<T>): Outcome<T> {
  return read().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function settled<T>(outcome: Outcome<T>): Promise<T> {
  const result = await outcome;
  if (!result.ok) throw result.error;
  return result.value;
}

interface InclusionOptions {
  treeSize?: number;
  workspaceId?: string;
}

/**
 * The inclusion proof of event `seq` in the tree of `treeSize` (default the latest signed
 * size). With `workspaceId` (a viewer token) only that workspace's events are proven;
 * any other seq is not found, exactly like a missing one.
 *
 * The tree head, the event's workspace and the stored hashes (at `treeSize`, or at the
 * size the project's last proof found) are read at once, each on its own connection: one
 * round trip's wait instead of two or three. Nothing read is served before the head and the
 * workspace check pass. A `treeSize` no larger than one this process has seen signed needs
 * no head at all (signed sizes only grow): how a verifier asks, for the checkpoint it holds.
 */
export async function proveInclusion(
  store: Store,
  projectId: string,
  seq: number,
  options: InclusionOptions = {},
): Promise<InclusionProof> {
  const { treeSize } = options;
  const known = knownSignedSize(store, projectId);
  if (treeSize !== undefined && known !== undefined && treeSize <= known) {
    try {
      return await proveAtSignedSize(store, projectId, seq, treeSize, options.workspaceId);
    } catch (error) {
      // Storage no longer holds that tree (a database restored from an older backup): the
      // head decides below, as for a size never seen.
      if (!(error instanceof MissingTreeHash)) throw error;
      forgetSignedSize(store, projectId);
    }
  }
  return proveFromHead(store, projectId, seq, options);
}

/** The proof at `size`, known to be at or below the latest signed size. */
async function proveAtSignedSize(
  store: Store,
  projectId: string,
  seq: number,
  size: number,
  workspaceId: string | undefined,
): Promise<InclusionProof> {
  if (seq > size) throw tooLarge("seq", `seq must not exceed the tree size (${size})`);
  const workspace =
    workspaceId === undefined
      ? undefined
      : started(() => selectEventWorkspace(store, projectId, seq));
  const proven = started(() => leafWithProof(store, projectId, seq - 1, size));
  await Promise.all([workspace, proven]);
  if (workspace && (await settled(workspace)) !== workspaceId) throw notFound("Event");
  return inclusionProof(seq, size, await settled(proven));
}

function inclusionProof(
  seq: number,
  size: number,
  { leaf, proof }: { leaf: Buffer; proof: Buffer[] },
): InclusionProof {
  return {
    seq,
    leaf_index: seq - 1,
    tree_size: size,
    leaf_hash: leaf.toString("base64"),
    hashes: proof.map((hash) => hash.toString("base64")),
  };
}

async function proveFromHead(
  store: Store,
  projectId: string,
  seq: number,
  options: InclusionOptions,
): Promise<InclusionProof> {
  const index = seq - 1;
  const guess = likelySize(store, projectId, options.treeSize);
  const early =
    guess !== undefined && seq <= guess
      ? started(() => leafWithProof(store, projectId, index, guess))
      : undefined;
  const { workspaceId } = options;
  const workspace =
    workspaceId === undefined
      ? undefined
      : started(() => selectEventWorkspace(store, projectId, seq));
  let latest: number;
  try {
    latest = await signedSize(store, projectId);
  } finally {
    // Settled before anything is thrown, so no read outlives the request.
    await Promise.all([early, workspace]);
  }
  rememberSignedSize(store, projectId, latest);
  const size = options.treeSize ?? latest;
  if (size > latest) {
    throw tooLarge("tree_size", `tree_size must not exceed the latest checkpoint's (${latest})`);
  }
  if (seq > size) throw tooLarge("seq", `seq must not exceed the tree size (${size})`);
  if (workspace && (await settled(workspace)) !== workspaceId) throw notFound("Event");
  const proven =
    early && guess === size
      ? await settled(early)
      : await leafWithProof(store, projectId, index, size);
  return inclusionProof(seq, size, proven);
}

/** The consistency proof from `fromSize` to `toSize` (default the latest signed size). */
export async function proveConsistency(
  store: Store,
  projectId: string,
  fromSize: number,
  toSize?: number,
): Promise<ConsistencyProof> {
  // As for inclusion: the hashes are read alongside the head at the likely size.
  const guess = likelySize(store, projectId, toSize);
  const early =
    guess !== undefined && fromSize <= guess
      ? started(() => consistencyProof(store, projectId, fromSize, guess))
      : undefined;
  let latest: number;
  try {
    latest = await signedSize(store, projectId);
  } finally {
    await early;
  }
  rememberSignedSize(store, projectId, latest);
  const to = toSize ?? latest;
  if (to > latest) {
    throw tooLarge("to_size", `to_size must not exceed the latest checkpoint's (${latest})`);
  }
  if (fromSize > to) throw tooLarge("from_size", `from_size must not exceed to_size (${to})`);
  const hashes =
    early && guess === to
      ? await settled(early)
      : await consistencyProof(store, projectId, fromSize, to);
  return {
    from_size: fromSize,
    to_size: to,
    hashes: hashes.map((hash) => hash.toString("base64")),
  };
}
