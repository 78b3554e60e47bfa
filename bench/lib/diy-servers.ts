import { join } from "node:path";
import { createEventsCopy } from "./events-copy.js";
import { type ChildServer, spawnServer } from "./processes.js";
import type { BenchContext } from "./workload.js";

/** The DIY endpoints' tables: every index of `events` (from the catalog), and the lean five. */
export const DIY_TABLES = { same: "diy_events_same", lean: "diy_events_lean" } as const;

export type DiyFramework = "express" | "fastify";

/** Makes both DIY tables afresh (so each run starts them empty). */
export async function createDiyTables(context: BenchContext): Promise<void> {
  await createEventsCopy(context.pool, DIY_TABLES.same, "same");
  await createEventsCopy(context.pool, DIY_TABLES.lean, "lean");
}

export async function dropDiyTables(context: BenchContext): Promise<void> {
  for (const table of Object.values(DIY_TABLES)) {
    await context.pool.query(`DROP TABLE IF EXISTS "${table}"`);
  }
}

/** A DIY ingest server (bench/baselines/diy-<framework>.ts), pinned like Chronicle's. */
export function startDiyServer(
  context: BenchContext,
  framework: DiyFramework,
  name = `diy-${framework}`,
): Promise<ChildServer> {
  return spawnServer({
    name,
    command: [
      process.execPath,
      "--import",
      "tsx",
      join(context.repoRoot, `bench/baselines/diy-${framework}.ts`),
    ],
    prefix: context.pinning.serverPrefix,
    env: {
      ...process.env,
      DATABASE_URL: context.databaseUrl,
      DIY_TABLES: Object.values(DIY_TABLES).join(","),
      DIY_PROJECT: context.ingest.project_id,
      NODE_ENV: "production",
    },
    logDir: context.workDir,
    cwd: context.repoRoot,
  });
}
