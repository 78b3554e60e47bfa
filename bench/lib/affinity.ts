import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

/** The CPU list this process may run on, as the kernel reports it ("1", "0-1"). */
export function ownCpuList(): string {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    return /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface Pinning {
  /** Command prefix that pins a child to the server core, empty when pinning is off. */
  serverPrefix: string[];
  server: string;
  loadGenerator: string;
}

/**
 * The launcher (scripts/bench.mjs) pins the bench process to core 1; the server and the
 * baselines' servers then go to core 0. Without taskset or a second core nothing is
 * pinned and the report says so.
 */
export function detectPinning(): Pinning {
  const own = ownCpuList();
  // os.cpus() counts the machine's cores; availableParallelism() would count only ours.
  if (cpus().length >= 2 && own === "1" && hasTaskset()) {
    return { serverPrefix: ["taskset", "-c", "0"], server: "core 0", loadGenerator: "core 1" };
  }
  return {
    serverPrefix: [],
    server: "not pinned",
    loadGenerator: `not pinned (cpus ${own})`,
  };
}
