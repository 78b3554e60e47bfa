import { type Command, InvalidArgumentError } from "commander";
import type { ConfigOptions } from "../context.js";
import { withStoreOptions } from "../options.js";

function projectName(value: string): string {
  const name = value.trim();
  if (!name) throw new InvalidArgumentError("must not be empty");
  return name;
}

export function registerProject(program: Command): void {
  const project = program.command("project").description("manage projects");
  const create = project
    .command("create")
    .description('create a project; prints {"project_id","api_key"} (an admin key)')
    .requiredOption("--name <name>", "the project's name", projectName)
    .action(async (options: ConfigOptions & { name: string }, self: Command) => {
      const { configFrom, openMigratedStore } = await import("../context.js");
      const { createProject } = await import("../../services/index.js");
      const config = configFrom(self.optsWithGlobals());
      const store = await openMigratedStore(config);
      try {
        const { project: created, adminKey } = await createProject(store, { name: options.name });
        process.stdout.write(
          `${JSON.stringify({ project_id: created.id, api_key: adminKey.key })}\n`,
        );
      } finally {
        await store.close();
      }
    });
  withStoreOptions(create);
  const restore = project
    .command("restore")
    .description(
      "restore a project whose deletion is still within its grace period; its keys work again",
    )
    .argument("<project_id>", "the project's id (prj_…)")
    .action(async (projectId: string, _options: ConfigOptions, self: Command) => {
      const { configFrom, openMigratedStore } = await import("../context.js");
      const { restoreProject } = await import("../../services/index.js");
      const config = configFrom(self.optsWithGlobals());
      const store = await openMigratedStore(config);
      try {
        const restored = await restoreProject(store, projectId, { restoredBy: "cli" });
        process.stdout.write(`${JSON.stringify({ project_id: restored.id, restored: true })}\n`);
      } finally {
        await store.close();
      }
    });
  withStoreOptions(restore);
}
