import type { components } from "@chronicle/types";
import { invalidParameter, notFound, type ServiceError } from "../../domain/errors.js";
import { MissingTreeHash, verifyConsistency } from "../../domain/merkle.js";
import {
  type CheckpointRow,
  insertCheckpoint,
  selectCheckpointAt,
  selectOlderCheckpoints,
  selectProjectsToSign,
  selectTreeHead,
} from "../../store/checkpoints.js";
import type { Store } from "../../store/types.js";
import { checkpointKeys } from "../system/secrets.js";
import { rootWithConsistencyProof } from "./merkle-store.js";
import { formatCheckpoint, openNote, parseCheckpoint, signNote } from "./signed-note.js";
import { rememberSignedSize } from "./signed-sizes.js";

/** A signed tree head: a C2SP tlog-checkpoint note and what it says. */
/** A checkpoint as the contract sends it: the signed note (C2SP signed-note) and its parts. */
export type SignedCheckpoint = components["schemas"]["SignedCheckpoint"];

/** Raised when storage disagrees with what the server signed: never signed over, always loud. */
export class TreeIntegrityError extends Error {
  override name = "TreeIntegrityError";
}

export function originOf(store: Store, projectId: string): string {
  return `${checkpointKeys(store).originPrefix}/${projectId}`;
}

/**
 * The checkpoint a row holds, after checking its note's signature with the published keys
 * and that it is this project's: a row written by anyone but this server is refused.
 */
/** Notes whose signature already verified, so a hot checkpoint is not re-verified per call. */
const verified = new Map<string, true>();
const VERIFIED_CACHE = 1000;

function verifiedKey(store: Store, projectId: string, row: CheckpointRow): string {
  return `${checkpointKeys(store).signer.keyId} ${projectId} ${row.tree_size}\n${row.note}`;
}

function rememberVerified(cacheKey: string): void {
  if (verified.size >= VERIFIED_CACHE) verified.clear();
  verified.set(cacheKey, true);
}

function trusted(store: Store, projectId: string, row: CheckpointRow): SignedCheckpoint {
  const keys = checkpointKeys(store);
  const cacheKey = verifiedKey(store, projectId, row);
  if (verified.has(cacheKey)) return checkpointOf(row);
  const text = openNote(row.note, keys.verifiers);
  const body = text === null ? null : parseCheckpoint(text);
  if (
    !body ||
    body.treeSize !== Number(row.tree_size) ||
    body.origin !== originOf(store, projectId)
  ) {
    throw new TreeIntegrityError(
      `the stored checkpoint at tree size ${row.tree_size} does not carry a valid signature`,
    );
  }
  rememberVerified(cacheKey);
  return checkpointOf(row);
}

function checkpointOf(row: CheckpointRow): SignedCheckpoint {
  const [origin = "", , root = ""] = row.note.split("\n", 3);
  return {
    origin,
    tree_size: Number(row.tree_size),
    root_hash: root,
    note: row.note,
    key_id: row.key_id,
    signed_at: new Date(row.signed_at).toISOString(),
  };
}

/** How many stored checkpoints below a newest one that does not verify are looked through. */
const TRUST_LOOKBACK = 100;

/**
 * The newest stored checkpoint whose signature verifies (forged rows are passed over):
 * `newest` as read, older rows only when it does not verify. Rows stored but none of them
 * verifying is not "no checkpoint yet" (someone inserted rows the server did not sign,
 * enough to hide the real ones): `orRefuse` makes it a TreeIntegrityError, so that nothing
 * is signed without the consistency check against what was signed before.
 */
async function latestTrusted(
  store: Store,
  projectId: string,
  newest: CheckpointRow | null,
  options: { orRefuse?: boolean } = {},
): Promise<SignedCheckpoint | null> {
  if (!newest) return null;
  try {
    return trusted(store, projectId, newest);
  } catch (error) {
    if (!(error instanceof TreeIntegrityError)) throw error;
  }
  for (const row of await selectOlderCheckpoints(store, projectId, TRUST_LOOKBACK)) {
    try {
      return trusted(store, projectId, row);
    } catch (error) {
      if (!(error instanceof TreeIntegrityError)) throw error;
    }
  }
  if (options.orRefuse) {
    throw new TreeIntegrityError(
      `none of the project's ${TRUST_LOOKBACK + 1} newest stored checkpoints verifies: rows this server did not sign`,
    );
  }
  return null;
}

async function newestTrusted(store: Store, projectId: string) {
  return latestTrusted(store, projectId, (await selectTreeHead(store, projectId))?.newest ?? null);
}

/** The checkpoint signed at exactly `size`, verified, or null. */
export async function checkpointAt(
  store: Store,
  projectId: string,
  size: number,
): Promise<SignedCheckpoint | null> {
  const row = await selectCheckpointAt(store, projectId, size);
  return row ? trusted(store, projectId, row) : null;
}

/**
 * The latest signed checkpoint of the project, signing a new one first when the tree grew
 * since (on demand; the server also signs on a schedule, `signPendingCheckpoints`). A new
 * checkpoint is signed only over a tree that is consistent with the previous signed one
 * (RFC 9162 consistency proof from storage): storage rewritten behind the server's back is
 * a TreeIntegrityError, never a signature.
 */
export async function signLatest(store: Store, projectId: string): Promise<SignedCheckpoint> {
  const head = await selectTreeHead(store, projectId);
  if (!head) throw notFound("Project");
  const { size } = head;
  const previous = await latestTrusted(store, projectId, head.newest, { orRefuse: true });
  if (previous && previous.tree_size >= size) return previous;
  let inserted: CheckpointRow | null;
  try {
    // The new root and the consistency proof from the previous one: one read of stored hashes.
    const { root, proof } =
      size === 0
        ? { root: emptyRoot(), proof: [] }
        : await rootWithConsistencyProof(store, projectId, previous?.tree_size ?? 0, size);
    if (previous) {
      const oldRoot = Buffer.from(previous.root_hash, "base64");
      if (!verifyConsistency(previous.tree_size, size, oldRoot, root, proof)) {
        throw new TreeIntegrityError(
          `the stored tree of size ${size} is not an extension of the signed tree of size ${previous.tree_size}`,
        );
      }
    }
    const keys = checkpointKeys(store);
    const note = signNote(
      formatCheckpoint({ origin: originOf(store, projectId), treeSize: size, rootHash: root }),
      keys.signer,
    );
    inserted = await insertCheckpoint(store, {
      projectId,
      size,
      rootHex: root.toString("hex"),
      note,
      keyId: keys.signer.keyId,
    });
    // A row stored exactly as this call signed it needs no second Ed25519 verification (one
    // per checkpoint signed: on every batch when signing follows ingest).
    if (inserted && inserted.note === note && Number(inserted.tree_size) === size) {
      rememberVerified(verifiedKey(store, projectId, inserted));
    }
  } catch (error) {
    if (error instanceof MissingTreeHash) throw new TreeIntegrityError(error.message);
    throw error;
  }
  // What storage holds is served, and its signature checked: ours, or a concurrent signer's.
  const stored = inserted
    ? trusted(store, projectId, inserted)
    : await checkpointAt(store, projectId, size);
  if (!stored)
    throw new TreeIntegrityError(`the checkpoint stored at size ${size} is not the one signed`);
  return stored;
}

/**
 * What the checkpoint endpoint serves: a fresh checkpoint when storage extends the last
 * signed tree, else the last trusted one (the refusal is logged through `onRefused`), so a
 * tampered database freezes the published tree instead of advancing it.
 */
export async function latestCheckpoint(
  store: Store,
  projectId: string,
  onRefused: (error: TreeIntegrityError) => void = () => {},
): Promise<SignedCheckpoint | null> {
  try {
    const latest = await signLatest(store, projectId);
    rememberSignedSize(store, projectId, latest.tree_size);
    return latest;
  } catch (error) {
    if (!(error instanceof TreeIntegrityError)) throw error;
    onRefused(error);
    return newestTrusted(store, projectId);
  }
}

/** RFC 9162: the root of the empty tree is the hash of the empty string. */
function emptyRoot(): Buffer {
  return Buffer.from("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "hex");
}

/**
 * Signs a checkpoint for every project whose tree grew since its last one (the schedule):
 * how many were signed, and the projects refused (their storage no longer extends what was
 * signed), which do not hold up the others.
 */
export async function signPendingCheckpoints(
  store: Store,
): Promise<{ signed: number; refused: { projectId: string; error: TreeIntegrityError }[] }> {
  const projects = await selectProjectsToSign(store);
  const refused: { projectId: string; error: TreeIntegrityError }[] = [];
  for (const projectId of projects) {
    try {
      await signLatest(store, projectId);
    } catch (error) {
      if (!(error instanceof TreeIntegrityError)) throw error;
      refused.push({ projectId, error });
    }
  }
  return { signed: projects.length - refused.length, refused };
}

/** The published verifier keys. */
export function verifierKeys(store: Store) {
  const keys = checkpointKeys(store);
  return keys.verifiers.map((verifier) => ({
    key_id: verifier.keyId,
    name: verifier.name,
    algorithm: "ed25519" as const,
    verifier_key: verifier.verifierKey,
    current: verifier.keyId === keys.signer.keyId,
  }));
}

export function badTreeSize(pointer: string, detail: string): ServiceError {
  return invalidParameter(detail, { pointer, detail, code: "maximum" });
}
