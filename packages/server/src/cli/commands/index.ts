import { registerExport } from "./export.js";
import { registerIntegrity } from "./integrity.js";
import { registerMigrate } from "./migrate.js";
import { registerProject } from "./project.js";
import { registerPurge } from "./purge.js";
import { registerRemovalPolicy } from "./removal-policy.js";
import { registerServe } from "./serve.js";
import { registerStart } from "./start.js";
import { registerTail } from "./tail.js";
import type { RegisterCommand } from "./types.js";

/**
 * Every `chronicle` command, in the order `--help` lists them: adding one is one line. Each
 * command's action imports what it runs (the store, the server, the services) when it runs,
 * so `--help`, a mistyped flag, `tail` and `export` start without loading the server.
 */
export const COMMANDS: readonly RegisterCommand[] = [
  registerStart,
  registerServe,
  registerMigrate,
  registerProject,
  registerPurge,
  registerRemovalPolicy,
  registerTail,
  registerExport,
  registerIntegrity,
];
