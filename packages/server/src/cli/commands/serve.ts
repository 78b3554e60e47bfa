import type { Command } from "commander";
import type { ConfigOptions } from "../context.js";
import { withListenOptions, withStoreOptions } from "../options.js";

export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("migrate the database and serve the API on HOST:PORT")
    .action(async (_options: ConfigOptions, self: Command) => {
      const { configFrom, openMigratedStore, loggerFor } = await import("../context.js");
      const { runServer } = await import("../server-runtime.js");
      const config = configFrom(self.optsWithGlobals());
      const logger = loggerFor(config, "stdout");
      const store = await openMigratedStore(config);
      try {
        const { url } = await runServer(config, store, logger);
        process.stderr.write(`Chronicle listening on ${url}\n`);
      } catch (error) {
        await store.close();
        throw error;
      }
    });
  withStoreOptions(withListenOptions(command));
}
