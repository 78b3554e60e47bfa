import type { Server } from "node:http";
import type { Config } from "../config.js";
import { createServerApp } from "../http/app.js";
import { closeServer, listen, onShutdownSignal, urlOf } from "../http/listen.js";
import { mergeSearchIndexBesideAppends } from "../services/events/search-merge.js";
import {
  countDistinct,
  maintainEventPartitions,
  maintainStorage,
  purgeDueProjects,
} from "../services/index.js";
import { scheduleCheckpoints } from "../services/integrity/checkpoint-schedule.js";
import { createStreamsContext, StreamWorker } from "../services/streams/index.js";
import { ReplicaSet } from "../services/system/replica-set.js";
import type { Store } from "../store/index.js";
import type { Logger } from "../telemetry/logger.js";
import { createMetrics } from "../telemetry/metrics.js";
import { serveMetrics } from "../telemetry/metrics-endpoint.js";
import { startTracing, type Tracing } from "../telemetry/tracing.js";
import { withDevSecrets } from "./dev-secrets.js";

export interface RunningServer {
  url: string;
  metricsUrl: string | undefined;
}

/**
 * Serves the API over `store` with metrics (and their own port when configured), traces
 * when an OTLP endpoint is configured, events partitions made ahead and the retention purge
 * at start and on a timer, and a clean stop on
 * SIGINT/SIGTERM (buffered spans exported, connections closed, store closed).
 */
export async function runServer(
  configured: Config,
  store: Store,
  logger: Logger,
): Promise<RunningServer> {
  const config = withDevSecrets(configured, logger);
  const { observability } = config;
  const tracing: Tracing | undefined = observability.otlpEndpoint
    ? startTracing({
        endpoint: observability.otlpEndpoint,
        serviceName: observability.serviceName,
        sampleRatio: observability.traceSampleRatio,
      })
    : undefined;
  const metrics = observability.metrics ? createMetrics() : undefined;
  const replicas = replicaSetOf(config, store, logger);
  const app = createServerApp({
    store,
    config,
    logger,
    metrics: metrics ?? false,
    ...(tracing ? { tracer: tracing.tracer } : {}),
    ...(replicas ? { replicas } : {}),
  });
  const server = await listen(app, config.port, config.host);
  let metricsServer: Server | undefined;
  if (metrics && observability.metricsPort !== undefined) {
    try {
      metricsServer = await serveMetrics(
        metrics.registry,
        observability.metricsPort,
        observability.metricsHost,
      );
    } catch (error) {
      await closeServer(server);
      throw error;
    }
  }
  const url = urlOf(server);
  const metricsUrl = metricsServer ? `${urlOf(metricsServer)}/metrics` : undefined;
  logger.info("listening", {
    url,
    console: `${url}/console`,
    docs: `${url}/docs/`,
    store: store.kind,
    ...(metricsUrl ? { metrics: metricsUrl } : {}),
    ...(observability.metricsToken ? { metrics_on_api_port: true } : {}),
    ...(tracing ? { traces: observability.otlpEndpoint } : {}),
  });

  const maintain = () =>
    maintainStorage(store, config.storage).then(
      ({ partitions, reports }) => {
        if (partitions.created > 0) logger.info("events partitions created", { ...partitions });
        const purged = reports.reduce((sum, r) => sum + r.purged, 0);
        if (purged > 0) logger.info("retention purge", { purged, projects: reports.length });
      },
      (error: unknown) => logger.error("retention purge failed", { error: String(error) }),
    );
  // Partitions for now and ahead at start; the purge keeps its interval.
  maintainEventPartitions(store, config.storage.partitions).catch((error: unknown) =>
    logger.error("events partitions maintenance failed", { error: String(error) }),
  );
  const purge = setInterval(maintain, config.purgeIntervalMs);
  purge.unref();
  // One run at a time: a run counting a large backlog may outlast the interval.
  let maintainingProjects = false;
  const maintainProjects = setInterval(() => {
    if (maintainingProjects) return;
    maintainingProjects = true;
    countDistinct(store)
      .then(() => purgeDueProjects(store))
      .then(
        (purged) => {
          for (const { projectId, rows } of purged) {
            logger.info("deleted project removed", { project_id: projectId, rows });
          }
        },
        (error: unknown) => logger.error("project maintenance failed", { error: String(error) }),
      )
      .finally(() => {
        maintainingProjects = false;
      });
  }, config.projects?.maintenanceIntervalMs ?? 60_000);
  maintainProjects.unref();
  const streams = new StreamWorker(createStreamsContext(store, config.streams), logger);
  streams.start();
  const stopCheckpoints = scheduleCheckpoints(
    store,
    config.integrity?.checkpointIntervalMs ?? 60_000,
    logger,
  );
  // PGlite has one connection: a merge there would only hold the appends up; they merge.
  const stopMerging =
    store.kind === "postgres" ? mergeSearchIndexBesideAppends(store, logger) : undefined;

  onShutdownSignal(async (signal) => {
    logger.info("shutting down", { signal });
    clearInterval(purge);
    clearInterval(maintainProjects);
    stopCheckpoints();
    // Leaves first: the others stop forwarding here while the requests in flight finish.
    await replicas?.stop();
    await closeServer(server);
    await streams.stop();
    await stopMerging?.();
    if (metricsServer) await closeServer(metricsServer);
    await tracing?.shutdown().catch(() => undefined);
    await store.close();
  });
  // Joins once it listens (the others forward only to a replica that answers) and once a
  // stop would leave the set again.
  await replicas?.start();
  return { url, metricsUrl };
}

/** The replica set when replicas are configured; PGlite is one process and has none. */
function replicaSetOf(config: Config, store: Store, logger: Logger): ReplicaSet | undefined {
  if (!config.replicas) return undefined;
  if (store.kind !== "postgres") {
    logger.warn("CHRONICLE_REPLICA_URL ignored: replicas share a PostgreSQL database");
    return undefined;
  }
  return new ReplicaSet(store, {
    self: config.replicas.url,
    secret: config.replicas.secret,
    logger,
  });
}
