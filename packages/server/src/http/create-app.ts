import type { Tracer } from "@opentelemetry/api";
import type { Express } from "express";
import type { Config } from "../config.js";
import { TailHub } from "../services/events/tail-hub.js";
import { authenticate, hitRateLimit, installSecrets } from "../services/index.js";
import type { Store } from "../store/index.js";
import { createLogger, type Logger } from "../telemetry/logger.js";
import { createMetrics, type Metrics, observeStore } from "../telemetry/metrics.js";
import { tracedStore } from "../telemetry/traced-store.js";
import { buildHttpApp } from "./app.js";
import type { OpenApiDocument } from "./contract/contract.js";
import { createHandlers } from "./handlers/index.js";
import { AuthThrottle } from "./middleware/auth-throttle.js";
import { StreamGuard } from "./streaming/stream-guard.js";

export interface CreateAppOptions {
  store: Store;
  config: Config;
  logger?: Logger;
  /** The bundled contract; defaults to @chronicle/types/openapi.json. */
  document?: OpenApiDocument;
  /** Prometheus metrics (a registry of this app's own when absent); `false` turns them off. */
  metrics?: Metrics | false;
  /** Spans per request and per query (telemetry/tracing.ts); none when absent. */
  tracer?: Tracer;
  /** The docs site served at /docs; the repository's or the packed one when absent. */
  siteDir?: string;
}

/** The Chronicle HTTP API over a store. It never listens: the CLI (or a test) does. */
export function createApp(options: CreateAppOptions): Express {
  const { config, logger, document, tracer } = options;
  const store = tracer ? tracedStore(options.store, tracer) : options.store;
  installSecrets([options.store, store], config.integrity?.secrets);
  const metrics = options.metrics === false ? undefined : (options.metrics ?? createMetrics());
  if (metrics) observeStore(metrics, store);
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
    handlers: createHandlers({
      store,
      config,
      logger: log,
      tails,
      streams,
      ...(metrics ? { metrics } : {}),
    }),
    authenticate: (token) => authenticate(store, token),
    authThrottle,
    trustProxy: config.abuse.trustProxy,
    consumeRateLimit: async (principal) => {
      const decision = await hitRateLimit(
        store,
        principal.projectId,
        principal.id,
        config.rateLimitPerMinute,
      );
      if (!decision.allowed) metrics?.rateLimitRefusals.inc();
      return decision;
    },
    logger: log,
    ...(document ? { document } : {}),
    ...(options.siteDir ? { siteDir: options.siteDir } : {}),
    observability: {
      ...(metrics ? { metrics } : {}),
      ...(config.observability.metricsToken
        ? { metricsToken: config.observability.metricsToken }
        : {}),
      ...(tracer ? { tracer } : {}),
    },
  });
}
