import type { ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { spawnChronicle } from "./cli-process.js";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

/** Where a server process keeps its data: a PostgreSQL URL, or a PGlite directory. */
export interface ServerTarget {
  /** PostgreSQL connection string (possibly through a `TcpProxy`). */
  databaseUrl?: string;
  /** PGlite data directory, used when `databaseUrl` is absent (a fresh temp dir by default). */
  dataDir?: string;
}

export interface ServerProcessOptions extends ServerTarget {
  /** Extra environment (CHRONICLE_* settings); rate limits are lifted unless given here. */
  env?: NodeJS.ProcessEnv;
  /** Port to bind; a free one by default. `restart()` keeps it, so clients keep their URL. */
  port?: number;
  /** How long to wait for the first 200 from `readyPath` (default 180 s: a loaded CI machine). */
  startTimeoutMs?: number;
  /** What "started" means (default `/v1/health`). */
  readyPath?: string;
  /** Flags for node itself (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** A command the server runs under, e.g. `["taskset", "-c", "0"]` to pin it to a core. */
  prefix?: string[];
  /** A file that gets everything the process writes (besides `output()`). */
  logFile?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `chronicle serve` as a real child process on a real port. */
export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** True until the process has exited. */
  readonly alive: boolean;
  /** Resolves when the process exits. */
  readonly exited: Promise<ExitStatus>;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
  stop(): Promise<ExitStatus>;
  /** A new process with the same options and port (the old one must have exited). */
  restart(): Promise<ServerProcess>;
}

/** A port that was free a moment ago (the child binds it; the race is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The environment a server child gets: the target's store, quiet logs, no rate limit. */
export function serverEnvironment(
  target: ServerTarget,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: "warn",
    CHRONICLE_RATE_LIMIT_PER_MINUTE: "1000000000",
    ...extra,
  };
  if (target.databaseUrl) env.DATABASE_URL = target.databaseUrl;
  else delete env.DATABASE_URL;
  env.CHRONICLE_DATA_DIR =
    target.dataDir ?? extra.CHRONICLE_DATA_DIR ?? mkdtempSync(join(tmpdir(), "chronicle-rel-"));
  return env;
}

function exitOf(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolveExit) =>
    child.once("exit", (code, signal) => resolveExit({ code, signal })),
  );
}

async function waitForStatus200(
  url: string,
  exited: () => boolean,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`server exited before it was ready:\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} gave no 200 within ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts `chronicle serve` (which migrates first) and resolves once `readyPath` answers 200.
 * The caller stops it (`stop()` or `kill()`); a process left running is killed when the test
 * process exits.
 */
export async function startServerProcess(
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const env = serverEnvironment(options, { ...options.env, PORT: String(port), HOST: "127.0.0.1" });
  const child = spawnChronicle(["serve"], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    nodeFlags: options.nodeFlags,
    prefix: options.prefix,
  });
  const chunks: string[] = [];
  const log = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
  const keep = (chunk: string) => {
    chunks.push(chunk);
    log?.write(chunk);
  };
  child.stdout?.setEncoding("utf8").on("data", keep);
  child.stderr?.setEncoding("utf8").on("data", keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the server process");
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = exitOf(child).then((status) => {
    process.off("exit", killOnExit);
    log?.end();
    return status;
  });
  const output = () => chunks.join("");
  const isExited = () => child.exitCode !== null || child.signalCode !== null;
  const url = `http://127.0.0.1:${port}`;

  const handle: ServerProcess = {
    url,
    port,
    pid,
    output,
    get alive() {
      return !isExited();
    },
    exited,
    async kill(signal = "SIGKILL") {
      if (!isExited()) child.kill(signal);
      return exited;
    },
    async stop() {
      if (isExited()) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
    async restart() {
      if (!isExited()) throw new Error("restart() needs the old process to have exited");
      return startServerProcess({
        ...options,
        dataDir: env.CHRONICLE_DATA_DIR,
        port,
      });
    },
  };
  try {
    await waitForStatus200(
      `${url}${options.readyPath ?? "/v1/health"}`,
      isExited,
      output,
      options.startTimeoutMs ?? 180_000,
    );
  } catch (error) {
    await handle.kill();
    throw error;
  }
  return handle;
}

export interface CreatedProject {
  project_id: string;
  /** An admin key (every scope). */
  api_key: string;
}

/** `chronicle project create` as a real process against the target (migrates first). */
export function createProjectWithCli(target: ServerTarget, name: string): Promise<CreatedProject> {
  const env = serverEnvironment(target);
  return new Promise((resolveProject, reject) => {
    const child = spawnChronicle(["project", "create", "--name", name], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = stdout.trim().split("\n").filter(Boolean).pop() ?? "";
      if (code !== 0) {
        reject(new Error(`project create exited with ${code}: ${stderr}`));
        return;
      }
      try {
        const project = JSON.parse(line) as CreatedProject;
        if (!project.project_id || !project.api_key) throw new Error("missing fields");
        resolveProject(project);
      } catch (error) {
        reject(new Error(`unexpected output of project create (${String(error)}): ${stdout}`));
      }
    });
  });
}
