import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.js";
import type { SecretsConfig } from "./services/system/secrets.js";

/** Checkpoint signing and token secrets (docs/security.md, "Secrets"). */
export interface IntegrityConfig {
  secrets: SecretsConfig;
  /** CHRONICLE_CHECKPOINT_INTERVAL_MS, default 60000: how often grown trees are signed. */
  checkpointIntervalMs: number;
}

function list(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(/[\s,]+/u)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function fileLines(path: string | undefined): string[] {
  if (!path?.trim()) return [];
  return list(readFileSync(path.trim(), "utf8"));
}

/**
 * CHRONICLE_TOKEN_SECRETS (or the lines of CHRONICLE_TOKEN_SECRET_FILE): the HMAC secrets of
 * cursors and viewer tokens, the signing one first, older ones after it while they are
 * rotated out. CHRONICLE_CHECKPOINT_KEY (or CHRONICLE_CHECKPOINT_KEY_FILE): the Ed25519 note
 * signer key; CHRONICLE_VERIFIER_KEYS: older verifier keys still published;
 * CHRONICLE_CHECKPOINT_ORIGIN: the deployment's origin prefix.
 */
export function integrityConfig(env: NodeJS.ProcessEnv): IntegrityConfig {
  const secrets: SecretsConfig = {};
  const tokenSecrets = [
    ...list(env.CHRONICLE_TOKEN_SECRETS),
    ...fileLines(env.CHRONICLE_TOKEN_SECRET_FILE),
  ];
  if (tokenSecrets.some((secret) => secret.length < 32)) {
    throw new ConfigError("every CHRONICLE_TOKEN_SECRETS entry must be at least 32 characters");
  }
  if (tokenSecrets.length > 0) secrets.tokenSecrets = tokenSecrets;
  const key =
    env.CHRONICLE_CHECKPOINT_KEY?.trim() || fileLines(env.CHRONICLE_CHECKPOINT_KEY_FILE)[0];
  if (key) secrets.checkpointKey = key;
  const verifiers = list(env.CHRONICLE_VERIFIER_KEYS);
  if (verifiers.length > 0) secrets.verifierKeys = verifiers;
  const origin = env.CHRONICLE_CHECKPOINT_ORIGIN?.trim();
  if (origin) secrets.checkpointOrigin = origin;
  const interval = Number(env.CHRONICLE_CHECKPOINT_INTERVAL_MS ?? 60_000);
  if (!Number.isInteger(interval) || interval <= 0) {
    throw new ConfigError("CHRONICLE_CHECKPOINT_INTERVAL_MS must be a positive integer");
  }
  return { secrets, checkpointIntervalMs: interval };
}
