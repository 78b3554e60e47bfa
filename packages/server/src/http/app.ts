import type { Tracer } from "@opentelemetry/api";
import express, { type Express, type RequestHandler } from "express";
import type { Config } from "../config.js";
import { TailHub } from "../services/events/tail-hub.js";
import {
  authenticate,
  hitRateLimit,
  installReadLimits,
  installSecrets,
  RequestLimiter,
  type Store,
} from "../services/index.js";
import type { ReplicaSet } from "../services/system/replica-set.js";
import { createLogger, type Logger } from "../telemetry/logger.js";
import { createMetrics, httpMetrics, type Metrics, observeStore } from "../telemetry/metrics.js";
import { metricsRoute } from "../telemetry/metrics-endpoint.js";
import { requestSpans } from "../telemetry/request-spans.js";
import { requestStores } from "../telemetry/traced-store.js";
import { loadBundledDocument, type OpenApiDocument } from "./contract/contract.js";
import { createHandlers } from "./handlers/index.js";
import { accessLog } from "./middleware/access-log.js";
import { AuthThrottle } from "./middleware/auth-throttle.js";
import { compressResponses } from "./middleware/compression.js";
import { cors } from "./middleware/cors.js";
import { errorHandler, notFound } from "./middleware/error-handler.js";
import { appendPathsOf, forwardAppends } from "./middleware/forward-appends.js";
import { tolerateMalformedPath } from "./middleware/path-encoding.js";
import { requestId } from "./middleware/request-id.js";
import { apiVersion } from "./middleware/version.js";
import { mountOperations, type OperationRouteParts } from "./operation-routes.js";
import { consoleRouter } from "./pages/console.js";
import { defaultSiteDir, docsRouter } from "./pages/docs-page.js";
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

/** What `chronicle serve` builds its app from: the replicas are the server's, not an embedder's. */
export interface ServerAppOptions extends CreateAppOptions {
  /** The replicas sharing the database: appends go to their project's owner when given. */
  replicas?: ReplicaSet;
}

/** Everything the app is assembled from; `createApp` derives it from a store and a config. */
export interface AppParts extends OperationRouteParts {
  /** Sends appends on to the replica that owns their project, before anything else; none when absent. */
  forwardAppend?: RequestHandler;
  /** Express `trust proxy` (which X-Forwarded-For hops name the client); default false. */
  trustProxy?: boolean | number | string;
  logger: Logger;
  document?: OpenApiDocument;
  /** The docs site served at /docs (`pnpm docs:build`); found by `defaultSiteDir` when absent. */
  siteDir?: string;
  /** Metrics (and `/metrics` behind a token when one is given) and request spans. */
  observability?: { metrics?: Metrics; metricsToken?: string; tracer?: Tracer };
}

/** The Chronicle HTTP API over a store. It never listens: the CLI (or a test) does. */
export function createApp(options: CreateAppOptions): Express {
  return assembleApp(partsOver(options));
}

/** `createApp` with the server's own parts (cli/server-runtime.ts). */
export function createServerApp(options: ServerAppOptions): Express {
  return assembleApp(partsOver(options));
}

/** The services behind the routes, over the store (traced when a tracer is given). */
function partsOver(options: ServerAppOptions): AppParts {
  const { config, logger, document, tracer, store } = options;
  // A request's handler and authentication use its own view of the store (traced under its
  // span when it is traced); background work, the tails, the stream guard and the rate
  // limits' shared reservations use the store itself.
  const storeOf = tracer ? requestStores(store, tracer) : () => store;
  installSecrets([store], config.integrity?.secrets);
  installReadLimits(store, {
    perProject: config.abuse.readsPerProject,
    maxWaitMs: config.abuse.readWaitMs,
  });
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
  const limiter = new RequestLimiter(store);
  const forwardAppend = options.replicas
    ? forwardAppends(
        options.replicas,
        async (credential) => (await authenticate(store, credential))?.projectId ?? null,
        {
          appendPaths: appendPathsOf(document ?? loadBundledDocument()),
          timeoutMs: config.database.statementTimeoutMs,
          count: (outcome) => metrics?.forwardedAppends.inc({ outcome }),
          logger: log,
          ...(tracer ? { tracer } : {}),
        },
      )
    : undefined;
  return {
    handlers: createHandlers({
      store,
      config,
      logger: log,
      tails,
      streams,
      ...(metrics ? { metrics } : {}),
    }),
    authenticate: (token, res) => authenticate(storeOf(res), token),
    storeOf,
    authThrottle,
    ...(forwardAppend ? { forwardAppend } : {}),
    trustProxy: config.abuse.trustProxy,
    consumeRateLimit: async (principal) => {
      // A key's own limit, within the operator's maximum even if it was lowered since.
      const limit = principal.rateLimitPerMinute
        ? Math.min(principal.rateLimitPerMinute, config.maxKeyRateLimitPerMinute)
        : config.rateLimitPerMinute;
      const decision = await limiter.consume(principal.projectId, principal.id, limit);
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
  };
}

/**
 * The Express app for the v1 contract: request-wide middleware, the docs and console pages,
 * one route per operation of the document, then the 404 and the error handler. Exported for
 * tests that drive the middleware chain with a contract and handlers of their own.
 */
export function assembleApp(parts: AppParts): Express {
  const document = parts.document ?? loadBundledDocument();
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.set("trust proxy", parts.trustProxy ?? false);
  if (parts.forwardAppend) app.use(parts.forwardAppend);
  app.use(requestId);
  const { metrics, metricsToken, tracer } = parts.observability ?? {};
  if (tracer) app.use(requestSpans(tracer));
  if (metrics) app.use(httpMetrics(metrics));
  app.use(accessLog(parts.logger));
  if (metrics && metricsToken) app.use(metricsRoute(metrics.registry, metricsToken));
  app.use(compressResponses());
  app.use(tolerateMalformedPath);
  app.use(cors);
  app.use(docsRouter(document, parts.siteDir ?? defaultSiteDir()));
  app.use(consoleRouter());
  app.use(apiVersion);
  mountOperations(app, document, parts);
  app.use(notFound);
  app.use(errorHandler(parts.logger));
  return app;
}
