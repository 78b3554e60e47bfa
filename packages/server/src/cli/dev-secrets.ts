import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config.js";
import { generateSignerKey } from "../services/integrity/signed-note.js";
import { DEFAULT_ORIGIN_PREFIX, secretsFrom } from "../services/system/secrets.js";
import type { Logger } from "../telemetry/logger.js";

function readOrCreate(path: string, create: () => string): string {
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const value = create();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}

/**
 * The embedded (PGlite) dev mode needs no setup: a checkpoint key, a token secret and a
 * streams key it lacks are generated once into files of the data directory (never the
 * database), and the verifier key is logged. On PostgreSQL nothing is generated: without configured secrets a
 * process signs with ephemeral ones and says so, since replicas would not agree.
 */
export function withDevSecrets(config: Config, logger: Logger): Config {
  const integrity = config.integrity ?? { secrets: {}, checkpointIntervalMs: 60_000 };
  const secrets = { ...integrity.secrets };
  if (config.databaseUrl) {
    if (!secrets.checkpointKey || !secrets.tokenSecrets) {
      logger.warn(
        "no CHRONICLE_CHECKPOINT_KEY or CHRONICLE_TOKEN_SECRETS: using ephemeral ones (replicas and restarts will not agree; see docs/security.md)",
      );
    }
    return config;
  }
  mkdirSync(config.dataDir, { recursive: true });
  secrets.checkpointKey ??= readOrCreate(join(config.dataDir, "checkpoint.key"), () =>
    generateSignerKey(secrets.checkpointOrigin ?? DEFAULT_ORIGIN_PREFIX),
  );
  secrets.tokenSecrets ??= [
    readOrCreate(join(config.dataDir, "token.secret"), () => randomBytes(32).toString("base64url")),
  ];
  const streamsKey =
    config.streams.key ??
    Buffer.from(
      readOrCreate(join(config.dataDir, "streams.key"), () => randomBytes(32).toString("base64")),
      "base64",
    );
  const verifier = secretsFrom(secrets).checkpoints.signer.verifierKey;
  logger.info("checkpoint verifier key", { verifier_key: verifier });
  return {
    ...config,
    integrity: { ...integrity, secrets },
    streams: { ...config.streams, key: streamsKey },
  };
}
