import { randomBytes } from "node:crypto";
import { rootOf } from "../../store/root.js";
import type { Store } from "../../store/types.js";
import {
  generateSignerKey,
  type NoteSigner,
  type NoteVerifier,
  parseSignerKey,
  parseVerifierKey,
} from "../integrity/signed-note.js";
import type { Keyring } from "../integrity/signing.js";

/**
 * The server's secrets, from configuration and never from the database (docs/security.md):
 * the HMAC keyring for cursors and viewer tokens, and the Ed25519 key that signs
 * checkpoints with the older public keys still published for verification.
 */
export interface ServerSecrets {
  tokens: Keyring;
  checkpoints: CheckpointKeys;
}

export interface CheckpointKeys {
  /** Origin lines are `<originPrefix>/<project id>`. */
  originPrefix: string;
  signer: NoteSigner;
  /** Every published key, the signer's first. */
  verifiers: readonly NoteVerifier[];
}

export interface SecretsConfig {
  /** Token secrets, the signing one first (at least 32 characters each). */
  tokenSecrets?: readonly string[];
  /** The checkpoint signer key in Go's note format (`PRIVATE+KEY+…`). */
  checkpointKey?: string;
  /** Older verifier keys still published (`<name>+<hash>+<key>`). */
  verifierKeys?: readonly string[];
  checkpointOrigin?: string;
}

export const DEFAULT_ORIGIN_PREFIX = "chronicle.local/dev";

export function secretsFrom(config: SecretsConfig): ServerSecrets {
  const originPrefix = config.checkpointOrigin ?? DEFAULT_ORIGIN_PREFIX;
  const tokenSecrets = config.tokenSecrets?.length
    ? config.tokenSecrets.map((secret) => Buffer.from(secret, "utf8"))
    : [randomBytes(32)];
  const signer = parseSignerKey(config.checkpointKey ?? generateSignerKey(originPrefix));
  const verifiers = [
    parseVerifierKey(signer.verifierKey),
    ...(config.verifierKeys ?? [])
      .map(parseVerifierKey)
      .filter((verifier) => verifier.keyId !== signer.keyId),
  ];
  return {
    tokens: { current: tokenSecrets[0] as Buffer, all: tokenSecrets },
    checkpoints: { originPrefix, signer, verifiers },
  };
}

const installed = new WeakMap<Store, ServerSecrets>();

/** Binds a store to the configured secrets; a store without them gets ephemeral ones. */
export function useSecrets(store: Store, secrets: ServerSecrets): void {
  installed.set(rootOf(store), secrets);
}

/** Shared by every store of the process, so in-process replicas accept each other's. */
let ephemeral: ServerSecrets | undefined;

export function secretsOf(store: Store): ServerSecrets {
  const secrets = installed.get(rootOf(store));
  if (secrets) return secrets;
  ephemeral ??= secretsFrom({});
  return ephemeral;
}

/** The keyring that signs cursors and viewer tokens (`sign`/`verify` in signing.ts). */
export async function hmacSecret(store: Store): Promise<Keyring> {
  return secretsOf(store).tokens;
}

export function checkpointKeys(store: Store): CheckpointKeys {
  return secretsOf(store).checkpoints;
}

/** Installs configured secrets on the stores; without any configured, they keep the process's. */
export function installSecrets(stores: readonly Store[], config: SecretsConfig | undefined): void {
  if (!config || Object.keys(config).length === 0) return;
  const secrets = secretsFrom(config);
  for (const store of stores) useSecrets(store, secrets);
}
