import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from "node:crypto";

/**
 * C2SP signed-note with Ed25519 (https://c2sp.org/signed-note), the format of Go's
 * `golang.org/x/mod/sumdb/note`: keys are `PRIVATE+KEY+<name>+<hash>+<base64>` (signer)
 * and `<name>+<hash>+<base64>` (verifier), where the 4-byte key hash is
 * SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[:4] and names the key in each signature line.
 */

const ED25519 = 0x01;
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface NoteSigner {
  name: string;
  /** The key hash as 8 hex digits: the key id. */
  keyId: string;
  /** The verifier key string to publish. */
  verifierKey: string;
  privateKey: KeyObject;
}

export interface NoteVerifier {
  name: string;
  keyId: string;
  verifierKey: string;
  publicKey: KeyObject;
}

function validName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

export function keyHash(name: string, publicKey: Uint8Array): string {
  return createHash("sha256")
    .update(name)
    .update("\n")
    .update(Buffer.of(ED25519))
    .update(publicKey)
    .digest()
    .subarray(0, 4)
    .toString("hex");
}

function rawPublicKey(privateKey: KeyObject): Buffer {
  const der = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(der.length - 32));
}

function verifierKeyString(name: string, publicKey: Buffer): string {
  return `${name}+${keyHash(name, publicKey)}+${Buffer.concat([Buffer.of(ED25519), publicKey]).toString("base64")}`;
}

/** A new Ed25519 signer key for `name`, in Go's private key format. */
export function generateSignerKey(name: string): string {
  if (!validName(name)) throw new Error(`invalid key name "${name}"`);
  const seed = randomBytes(32);
  const publicKey = rawPublicKey(
    createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" }),
  );
  return `PRIVATE+KEY+${name}+${keyHash(name, publicKey)}+${Buffer.concat([Buffer.of(ED25519), seed]).toString("base64")}`;
}

/** Splits at the first `count` plus signs: the base64 key at the end may hold more. */
function chop(text: string, count: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  for (let i = 0; i < count; i++) {
    const plus = rest.indexOf("+");
    if (plus < 0) return [...parts, rest];
    parts.push(rest.slice(0, plus));
    rest = rest.slice(plus + 1);
  }
  return [...parts, rest];
}

export function parseSignerKey(text: string): NoteSigner {
  const parts = chop(text, 4);
  if (parts.length !== 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY") {
    throw new Error("a signer key reads PRIVATE+KEY+<name>+<hash>+<base64 key>");
  }
  const [, , name = "", hash = "", encoded = ""] = parts;
  const key = Buffer.from(encoded, "base64");
  if (!validName(name) || key.length !== 33 || key[0] !== ED25519) {
    throw new Error("the signer key is not an Ed25519 note key");
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, key.subarray(1)]),
    format: "der",
    type: "pkcs8",
  });
  const publicKey = rawPublicKey(privateKey);
  const keyId = keyHash(name, publicKey);
  if (keyId !== hash.toLowerCase()) throw new Error("the signer key's hash does not match its key");
  return { name, keyId, verifierKey: verifierKeyString(name, publicKey), privateKey };
}

export function parseVerifierKey(text: string): NoteVerifier {
  const parts = chop(text, 2);
  if (parts.length !== 3) throw new Error("a verifier key reads <name>+<hash>+<base64 key>");
  const [name = "", hash = "", encoded = ""] = parts;
  const key = Buffer.from(encoded, "base64");
  if (!validName(name) || key.length !== 33 || key[0] !== ED25519) {
    throw new Error("the verifier key is not an Ed25519 note key");
  }
  const raw = key.subarray(1);
  const keyId = keyHash(name, raw);
  if (keyId !== hash.toLowerCase())
    throw new Error("the verifier key's hash does not match its key");
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, raw]),
    format: "der",
    type: "spki",
  });
  return { name, keyId, verifierKey: verifierKeyString(name, raw), publicKey };
}

/** The note `text` (ending in a newline) followed by one signature line. */
export function signNote(text: string, signer: NoteSigner): string {
  if (!text.endsWith("\n")) throw new Error("a note's text ends with a newline");
  const signature = sign(null, Buffer.from(text, "utf8"), signer.privateKey);
  const payload = Buffer.concat([Buffer.from(signer.keyId, "hex"), signature]).toString("base64");
  return `${text}\n\u2014 ${signer.name} ${payload}\n`;
}

/**
 * The note's text when at least one signature verifies with one of `verifiers`
 * (by name and key id), else null.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): string | null {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) return null;
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split("\n");
  for (const line of lines) {
    const match = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!match) return null;
    const [, name, encoded = ""] = match;
    const payload = Buffer.from(encoded, "base64");
    if (payload.length !== 68) continue;
    const id = payload.subarray(0, 4).toString("hex");
    const verifier = verifiers.find((v) => v.name === name && v.keyId === id);
    if (
      verifier &&
      verify(null, Buffer.from(text, "utf8"), verifier.publicKey, payload.subarray(4))
    ) {
      return text;
    }
  }
  return null;
}

export interface CheckpointBody {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

/** C2SP tlog-checkpoint body: origin, tree size, base64 root hash, one per line. */
export function formatCheckpoint({ origin, treeSize, rootHash }: CheckpointBody): string {
  return `${origin}\n${treeSize}\n${rootHash.toString("base64")}\n`;
}

export function parseCheckpoint(text: string): CheckpointBody | null {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") return null;
  const [origin = "", size = "", root = ""] = lines;
  const rootHash = Buffer.from(root, "base64");
  if (!origin || !/^(0|[1-9][0-9]{0,15})$/.test(size) || rootHash.length !== 32) return null;
  if (rootHash.toString("base64") !== root) return null;
  return { origin, treeSize: Number(size), rootHash };
}
