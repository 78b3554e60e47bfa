import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "@chronicle/test-kit";

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  logFile: string;
  /** Resident set size of the child in bytes, from /proc/<pid>/status. */
  rssBytes(): number;
  stop(): Promise<void>;
}

export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s*(\d+)\s*kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function waitHealthy(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`server exited with ${child.exitCode} before it was ready; see ${logFile}`);
    }
    try {
      const response = await fetch(`${url}/v1/health`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`server at ${url} not healthy after 90 s; see ${logFile}`);
}

export interface SpawnServerOptions {
  name: string;
  /** Command and arguments (node flags included); the pinning prefix goes in front. */
  command: string[];
  prefix: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  cwd: string;
}

/**
 * Starts a baseline HTTP server (not Chronicle: that starts through the test kit) as a child
 * on PORT and resolves once /v1/health answers 200.
 */
export async function spawnServer(options: SpawnServerOptions): Promise<ChildServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile);
  const [command, ...args] = [...options.prefix, ...options.command] as [string, ...string[]];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...options.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.name}`);
  try {
    await waitHealthy(url, child, logFile);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    name: options.name,
    url,
    pid,
    logFile,
    rssBytes: () => rssOf(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timedOut = await Promise.race([exited.then(() => false), sleep(10_000, true)]);
      if (timedOut) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** Runs a command to completion and returns its stdout; throws with its stderr otherwise. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr || stdout}`));
    });
    child.stdin.end(options.input ?? "");
  });
}

/** User + system CPU time of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Runs `work` and returns the share of one core the process used meanwhile (0..1+). */
export async function withCpuShare<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; share: number }> {
  const cpuBefore = cpuTimeMs(pid);
  const started = performance.now();
  const result = await work();
  const share = (cpuTimeMs(pid) - cpuBefore) / (performance.now() - started);
  return { result, share };
}
