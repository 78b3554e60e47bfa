import type { Command } from "commander";
import type { ConfigOptions } from "../context.js";
import { withStoreOptions } from "../options.js";
import { createProgress } from "../progress.js";

export function registerPurge(program: Command): void {
  const command = program
    .command("purge")
    .description("remove the events past each project's retention, once")
    .action(async (_options: ConfigOptions, self: Command) => {
      const { configFrom, openMigratedStore } = await import("../context.js");
      const { purgeExpired, removeDetachedPartitions } = await import("../../services/index.js");
      const config = configFrom(self.optsWithGlobals());
      const store = await openMigratedStore(config);
      try {
        const progress = createProgress("purging projects");
        const reports = await purgeExpired(store, {
          granularity: config.storage.retentionGranularity,
          onProgress: (done, total) => {
            progress.total(total);
            progress.update(done);
          },
        });
        progress.stop();
        await removeDetachedPartitions(store);
        const purged = reports.reduce((sum, report) => sum + report.purged, 0);
        process.stdout.write(`${JSON.stringify({ purged, projects: reports })}\n`);
      } finally {
        await store.close();
      }
    });
  withStoreOptions(command);
}
