import type { Express } from "express";
import type { Config } from "../config.js";
import { authenticate, hitRateLimit, type Store } from "../services/index.js";
import { buildHttpApp } from "./app.js";
import type { OpenApiDocument } from "./contract.js";
import { createHandlers } from "./handlers/index.js";
import { createLogger, type Logger } from "./logger.js";
import { AuthThrottle } from "./auth-throttle.js";
import { StreamGuard } from "./stream-guard.js";
import { TailHub } from "./tail-hub.js";

export interface CreateAppOptions {
  store: Store;
  config: Config;
  logger?: Logger;
  /** The bundled contract; defaults to @chronicle/types/openapi.json. */
  document?: OpenApiDocument;
  /** The docs site served at /docs; the repository's or the packed one when absent. */
  siteDir?: string;
}

/** The Chronicle HTTP API over a store. It never listens: the CLI (or a test) does. */
export function createApp({
  store,
  config,
  logger,
  document,
  siteDir,
}: CreateAppOptions): Express {
  const log = logger ?? createLogger(config.logLevel);
  const tails = new TailHub(store);
  const streams = new StreamGuard(store, {
    maxPerCredential: config.abuse.maxStreamsPerCredential,
    checkIntervalMs: config.abuse.credentialCheckMs,
    logger: log,
  });
  // Failures are counted under no project (''): the caller's project is what is unknown.
  const authThrottle = new AuthThrottle((address) =>
    hitRateLimit(store, "", `auth-failure:${address}`, config.abuse.authFailuresPerMinute),
  );
  return buildHttpApp({
    handlers: createHandlers({ store, config, logger: log, tails, streams }),
    authenticate: (token) => authenticate(store, token),
    authThrottle,
    trustProxy: config.abuse.trustProxy,
    consumeRateLimit: (principal) =>
      hitRateLimit(store, principal.projectId, principal.id, config.rateLimitPerMinute),
    logger: log,
    ...(document ? { document } : {}),
    ...(siteDir ? { siteDir } : {}),
  });
}
