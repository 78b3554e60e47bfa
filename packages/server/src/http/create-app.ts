import type { Express } from "express";
import type { Config } from "../config.js";
import { authenticate, hitRateLimit, type Store } from "../services/index.js";
import { buildHttpApp } from "./app.js";
import type { OpenApiDocument } from "./contract.js";
import { createHandlers } from "./handlers/index.js";
import { createLogger, type Logger } from "./logger.js";
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
  return buildHttpApp({
    handlers: createHandlers({ store, config, logger: log, tails }),
    authenticate: (token) => authenticate(store, token),
    consumeRateLimit: (principal) =>
      hitRateLimit(store, principal.projectId, principal.id, config.rateLimitPerMinute),
    logger: log,
    ...(document ? { document } : {}),
    ...(siteDir ? { siteDir } : {}),
  });
}
