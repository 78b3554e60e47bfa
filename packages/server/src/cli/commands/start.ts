import type { Command } from "commander";
import type { ConfigOptions } from "../context.js";
import { withListenOptions, withStoreOptions } from "../options.js";
import { createProgress } from "../progress.js";

export function registerStart(program: Command): void {
  const command = program
    .command("start")
    .description("migrate, create a demo project on first run, print its key and serve")
    .action(async (_options: ConfigOptions, self: Command) => {
      const { configFrom, openMigratedStore, loggerFor } = await import("../context.js");
      const { ensureDemoProject } = await import("../../demo/seed.js");
      const { assertPortFree } = await import("../../http/port-check.js");
      const { runServer } = await import("../server-runtime.js");
      const config = configFrom(self.optsWithGlobals());
      const logger = loggerFor(config, "stdout");
      await assertPortFree(config.port, config.host);
      const store = await openMigratedStore(config);
      try {
        const progress = createProgress("seeding demo events");
        const demo = await ensureDemoProject(store, {
          dataDir: config.dataDir,
          databaseUrl: config.databaseUrl,
          onProgress: (done, total) => {
            progress.total(total);
            progress.update(done);
          },
        });
        progress.stop();
        const { url } = await runServer(config, store, logger);
        process.stdout.write(
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
      } catch (error) {
        await store.close();
        throw error;
      }
    });
  withStoreOptions(withListenOptions(command));
}
