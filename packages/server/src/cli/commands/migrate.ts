import type { Command } from "commander";
import type { ConfigOptions } from "../context.js";
import { withStoreOptions } from "../options.js";

export function registerMigrate(program: Command): void {
  const command = program
    .command("migrate")
    .description("apply the schema migrations the database does not have yet")
    .action(async (_options: ConfigOptions, self: Command) => {
      const { configFrom, migrateWithProgress } = await import("../context.js");
      const config = configFrom(self.optsWithGlobals());
      const applied = await migrateWithProgress(config);
      process.stdout.write(
        applied.length > 0
          ? `migrations applied: ${applied.join(", ")}\n`
          : "schema is up to date\n",
      );
    });
  withStoreOptions(command);
}
