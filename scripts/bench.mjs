#!/usr/bin/env node
// `pnpm bench [--quick] …`: runs bench/main.ts through tsx, pinned to CPU core 1 so that the
// server it starts can have core 0 (see docs/benchmarks.md). Without taskset or a second
// core it runs unpinned and the report says so.
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nodeArgs = ["--import", "tsx", join(root, "bench/main.ts"), ...process.argv.slice(2)];

function canPin() {
  if (availableParallelism() < 2) return false;
  const probe = spawnSync("taskset", ["-c", "1", "true"], { stdio: "ignore" });
  return probe.status === 0;
}

const [command, args] = canPin()
  ? ["taskset", ["-c", "1", process.execPath, ...nodeArgs]]
  : [process.execPath, nodeArgs];
const result = spawnSync(command, args, { stdio: "inherit", cwd: root });
if (result.error) {
  process.stderr.write(`bench: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
