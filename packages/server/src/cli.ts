import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { ensureDemoProject } from "./demo/seed.js";
import { closeServer } from "./http/app.js";
import { createApp } from "./http/create-app.js";
import { listen, onShutdownSignal, urlOf } from "./http/listen.js";
import { createLogger, type Logger } from "./http/logger.js";
import {
  createProject,
  migrate,
  openStore,
  purgeExpired,
  type Store,
  StoreLockedError,
} from "./services/index.js";

const USAGE = `Usage: chronicle <command>

Commands:
  start                          migrate, create the demo project on first run, print its key, serve
  serve                          migrate and serve the API on HOST:PORT
  migrate                        apply the schema migrations
  project create --name NAME     create a project; prints {"project_id","api_key"} (every scope)
  purge                          remove events past each project's retention, once
  help                           show this help

Configuration comes from the environment: PORT, HOST, DATABASE_URL, CHRONICLE_DATA_DIR,
CHRONICLE_RATE_LIMIT_PER_MINUTE, CHRONICLE_PURGE_INTERVAL_MS, CHRONICLE_HEARTBEAT_MS,
LOG_LEVEL (see packages/server/README.md).
`;

class UsageError extends Error {}

async function openMigratedStore(config: Config): Promise<Store> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Listens, purges on a timer, and stops cleanly on SIGINT/SIGTERM. */
async function serve(
  config: Config,
  store: Store,
  logger: Logger,
  banner?: (url: string) => string,
) {
  const app = createApp({ store, config, logger });
  const server = await listen(app, config.port, config.host);
  const url = urlOf(server);
  process.stdout.write(banner ? banner(url) : `Chronicle listening on ${url}\n`);
  logger.info("listening", { url, store: store.kind });

  const purge = setInterval(() => {
    purgeExpired(store).then(
      (reports) => {
        const purged = reports.reduce((sum, r) => sum + r.purged, 0);
        if (purged > 0) logger.info("retention purge", { purged, projects: reports.length });
      },
      (error: unknown) => logger.error("retention purge failed", { error: String(error) }),
    );
  }, config.purgeIntervalMs);
  purge.unref();

  onShutdownSignal(async (signal) => {
    logger.info("shutting down", { signal });
    clearInterval(purge);
    await closeServer(server);
    await store.close();
  });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

  switch (command) {
    case "serve": {
      const store = await openMigratedStore(config);
      await serve(config, store, logger);
      return;
    }
    case "start": {
      const store = await openMigratedStore(config);
      const demo = await ensureDemoProject(store, {
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
      });
      await serve(config, store, logger, (url) =>
        [
          "",
          demo.created
            ? `Chronicle is running. Created a demo project with ${demo.events} events.`
            : "Chronicle is running (demo project kept from an earlier start).",
          "",
          `  API       ${url}/v1`,
          `  Docs      ${url}/docs`,
          `  Contract  ${url}/openapi.json`,
          `  Demo key  ${demo.record.api_key}`,
          "",
          "Try:",
          `  curl -H "Authorization: Bearer ${demo.record.api_key}" "${url}/v1/events?limit=5"`,
          "",
          "Press Ctrl+C to stop.",
          "",
        ].join("\n"),
      );
      return;
    }
    case "migrate": {
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        await migrate(store);
      } finally {
        await store.close();
      }
      process.stdout.write("migrations applied\n");
      return;
    }
    case "project": {
      const [sub, ...args] = rest;
      if (sub !== "create") throw new UsageError(`unknown command: project ${sub ?? ""}`.trim());
      const { values } = parseArgs({ args, options: { name: { type: "string" } }, strict: true });
      const name = values.name?.trim();
      if (!name) throw new UsageError("project create needs --name NAME");
      const store = await openMigratedStore(config);
      try {
        const { project, adminKey } = await createProject(store, { name });
        process.stdout.write(
          `${JSON.stringify({ project_id: project.id, api_key: adminKey.key })}\n`,
        );
      } finally {
        await store.close();
      }
      return;
    }
    case "purge": {
      const store = await openMigratedStore(config);
      try {
        const reports = await purgeExpired(store);
        const purged = reports.reduce((sum, report) => sum + report.purged, 0);
        process.stdout.write(`${JSON.stringify({ purged, projects: reports })}\n`);
      } finally {
        await store.close();
      }
      return;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(
      `chronicle: ${error.message}\n\n${error instanceof UsageError ? USAGE : ""}`,
    );
    process.exit(2);
  }
  if (error instanceof StoreLockedError) {
    process.stderr.write(`chronicle: ${error.message}\n`);
    process.exit(1);
  }
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    process.stderr.write(
      `chronicle: port already in use (${String((error as Error).message)}); set PORT\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    `chronicle: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
