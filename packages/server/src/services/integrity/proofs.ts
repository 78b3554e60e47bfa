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
 * The latest signed tree size each project's proofs last found in this process: only a
 * guess, so that a proof's stored hashes are read alongside the tree head instead of after
 * it. What is served is always checked against the head just read (another replica may
 * have signed a larger tree since), and a wrong guess is read again at the right size.
 */
const lastSignedSizes = new Map<string, number>();
const MAX_REMEMBERED_SIZES = 10_000;

function rememberSignedSize(projectId: string, size: number): void {
  if (lastSignedSizes.size >= MAX_REMEMBERED_SIZES && !lastSignedSizes.has(projectId)) {
    lastSignedSizes.clear();
  }
  lastSignedSizes.set(projectId, size);
}

/**
 * The size a proof will most likely be served at: the one asked for, or else the latest
 * this process last found. A size above that latest is likely refused, so nothing is read
 * for it before the head says.
 */
function likelySize(projectId: string, asked: number | undefined): number | undefined {
  const latest = lastSignedSizes.get(projectId);
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

/**
 * The inclusion proof of event `seq` in the tree of `treeSize` (default the latest signed
 * size). With `workspaceId` (a viewer token) only that workspace's events are proven;
 * any other seq is not found, exactly like a missing one.
 *
 * The tree head, the event's workspace and the stored hashes (at `treeSize`, or at the
 * size the project's last proof found) are read at once, each on its own connection: one
 * round trip's wait instead of two or three. Nothing read is served before the head and the
 * workspace check pass.
 */
export async function proveInclusion(
  store: Store,
  projectId: string,
  seq: number,
  options: { treeSize?: number; workspaceId?: string } = {},
): Promise<InclusionProof> {
  const index = seq - 1;
  const guess = likelySize(projectId, options.treeSize);
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
  rememberSignedSize(projectId, latest);
  const size = options.treeSize ?? latest;
  if (size > latest) {
    throw tooLarge("tree_size", `tree_size must not exceed the latest checkpoint's (${latest})`);
  }
  if (seq > size) throw tooLarge("seq", `seq must not exceed the tree size (${size})`);
  if (workspace && (await settled(workspace)) !== workspaceId) throw notFound("Event");
  const { leaf, proof: hashes } =
    early && guess === size
      ? await settled(early)
      : await leafWithProof(store, projectId, index, size);
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
  // As for inclusion: the hashes are read alongside the head at the likely size.
  const guess = likelySize(projectId, toSize);
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
  rememberSignedSize(projectId, latest);
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
