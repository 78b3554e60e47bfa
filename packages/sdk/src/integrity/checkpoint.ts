import { fromBase64 } from "../core/base64.js";
import { sameBytes } from "./merkle.js";

/**
 * C2SP signed-note checkpoints (https://c2sp.org/tlog-checkpoint), verified with WebCrypto
 * Ed25519: the format Go's `golang.org/x/mod/sumdb/note` reads and writes.
 */

/** A verifier key string as the server publishes it: `<name>+<key id>+<base64 key>`. */
export type VerifierKeyString = string;

export interface Checkpoint {
  origin: string;
  treeSize: number;
  /** The RFC 9162 root hash. */
  rootHash: Uint8Array;
  /** The signed note this was read from, exactly. */
  note: string;
  /** The key id (hex) whose signature verified. */
  keyId: string;
}

export class CheckpointError extends Error {
  override name = "CheckpointError";
}

export interface CheckpointOptions {
  /**
   * The log expected: the checkpoint's origin line, `<deployment origin>/<project id>`.
   * One deployment signs every project's checkpoints with the same key, so only the origin
   * tells one project's log from another's: pin it, like the keys, outside the server you
   * check. A checkpoint of another log is refused with CheckpointError.
   */
  origin?: string;
}

/**
 * The checkpoints verifyCheckpoint returned. Only these are taken as verified where a
 * Checkpoint is accepted: an object that merely has a checkpoint's fields (a server's
 * answer with a `rootHash` added, say) has its note verified again, or is refused.
 */
const verifiedCheckpoints = new WeakSet<Checkpoint>();

/** True for a checkpoint verifyCheckpoint returned (and nothing else). */
export function isVerifiedCheckpoint(checkpoint: object): checkpoint is Checkpoint {
  return verifiedCheckpoints.has(checkpoint as Checkpoint);
}

/** Throws CheckpointError when `options.origin` is given and `checkpoint` is of another log. */
export function checkOrigin(checkpoint: { origin: string }, options: CheckpointOptions): void {
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new CheckpointError(
      `the checkpoint is of log "${checkpoint.origin}", not of "${options.origin}"`,
    );
  }
}

interface VerifierKey {
  name: string;
  keyId: string;
  key: CryptoKey;
}

const ED25519 = 0x01;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function keyHash(name: string, publicKey: Uint8Array): Promise<string> {
  const nameBytes = new TextEncoder().encode(`${name}\n`);
  const data = new Uint8Array(nameBytes.length + 1 + publicKey.length);
  data.set(nameBytes);
  data[nameBytes.length] = ED25519;
  data.set(publicKey, nameBytes.length + 1);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", data));
  return hex(digest.subarray(0, 4));
}

async function importVerifier(text: VerifierKeyString): Promise<VerifierKey> {
  const first = text.indexOf("+");
  const second = text.indexOf("+", first + 1);
  if (first <= 0 || second < 0) throw new CheckpointError(`not a verifier key: ${text}`);
  const name = text.slice(0, first);
  const keyId = text.slice(first + 1, second).toLowerCase();
  const encoded = fromBase64(text.slice(second + 1));
  if (encoded.length !== 33 || encoded[0] !== ED25519) {
    throw new CheckpointError(`not an Ed25519 verifier key: ${text}`);
  }
  const raw = encoded.slice(1);
  if ((await keyHash(name, raw)) !== keyId) {
    throw new CheckpointError(`the verifier key's id does not match its key: ${text}`);
  }
  const key = await globalThis.crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, [
    "verify",
  ]);
  return { name, keyId, key };
}

/**
 * Reads a signed checkpoint note and checks one of its signatures with one of `keys`
 * (pinned by the caller, not fetched from the server being checked), and its origin with
 * `options.origin` when given. Throws CheckpointError when no signature verifies, the note
 * is malformed or it is of another log.
 */
export async function verifyCheckpoint(
  note: string,
  keys: readonly VerifierKeyString[],
  options: CheckpointOptions = {},
): Promise<Checkpoint> {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new CheckpointError("not a signed note");
  const text = note.slice(0, split + 1);
  const verifiers = await Promise.all(keys.map(importVerifier));
  const message = new TextEncoder().encode(text);
  let keyId: string | null = null;
  for (const line of note.slice(split + 2, -1).split("\n")) {
    const match = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!match) throw new CheckpointError("malformed signature line");
    const signature = fromBase64(match[2] as string);
    if (signature.length !== 68) continue;
    const id = hex(signature.subarray(0, 4));
    const verifier = verifiers.find((v) => v.name === match[1] && v.keyId === id);
    if (
      verifier &&
      (await globalThis.crypto.subtle.verify(
        { name: "Ed25519" },
        verifier.key,
        signature.slice(4),
        message,
      ))
    ) {
      keyId = id;
      break;
    }
  }
  if (keyId === null) throw new CheckpointError("no signature of a trusted key verifies");
  const lines = text.split("\n");
  const [origin = "", size = "", root = ""] = lines;
  const rootHash = root ? fromBase64(root) : new Uint8Array();
  if (!origin || !/^(0|[1-9][0-9]{0,15})$/.test(size) || rootHash.length !== 32) {
    throw new CheckpointError("not a tlog checkpoint");
  }
  checkOrigin({ origin }, options);
  const checkpoint: Checkpoint = Object.freeze({
    origin,
    treeSize: Number(size),
    rootHash,
    note,
    keyId,
  });
  verifiedCheckpoints.add(checkpoint);
  return checkpoint;
}

/** True when two checkpoints of the same log name the same tree. */
export function sameTree(a: Checkpoint, b: Checkpoint): boolean {
  return a.origin === b.origin && a.treeSize === b.treeSize && sameBytes(a.rootHash, b.rootHash);
}
