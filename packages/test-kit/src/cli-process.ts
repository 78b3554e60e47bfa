import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SERVER_PACKAGE_DIR } from "./server-source.js";

/** The server package's directory, where a CLI run starts unless told otherwise. */
export const PACKAGE_DIR = fileURLToPath(SERVER_PACKAGE_DIR);
/** The `chronicle` command (its TypeScript source through tsx, inside the repository). */
export const CHRONICLE_BIN = fileURLToPath(new URL("bin/chronicle.mjs", SERVER_PACKAGE_DIR));

export interface SpawnChronicleOptions extends SpawnOptions {
  /** Flags for node itself (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** A command the process runs under, e.g. `["taskset", "-c", "0"]` to pin it to a core. */
  prefix?: string[];
}

/** `chronicle …args` as a child process: every CLI and server process of the tests and the bench starts here. */
export function spawnChronicle(args: string[], options: SpawnChronicleOptions = {}): ChildProcess {
  const { nodeFlags = [], prefix = [], ...spawnOptions } = options;
  const [command, ...commandArgs] = [
    ...prefix,
    process.execPath,
    ...nodeFlags,
    CHRONICLE_BIN,
    ...args,
  ] as [string, ...string[]];
  return spawn(command, commandArgs, { cwd: PACKAGE_DIR, ...spawnOptions });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run: the test's own, without anything that would reach a real service. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", LOG_FORMAT: "json" };
  for (const name of [
    "DATABASE_URL",
    "PORT",
    "HOST",
    "CHRONICLE_DATA_DIR",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "CHRONICLE_METRICS_PORT",
    "CHRONICLE_METRICS_TOKEN",
    "CHRONICLE_URL",
    "CHRONICLE_API_KEY",
    "LOG_LEVEL",
  ]) {
    delete env[name];
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Runs `chronicle …args` to its end (killed after `timeoutMs`). */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = cliEnv(),
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnChronicle(args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running CLI process (serve, tail) whose output is read as it comes. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  private readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawnChronicle(args, { env });
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("close", resolve));
  }

  /** Waits until `find` returns something for the output so far (polling), or fails after `timeoutMs`. */
  async waitFor<T>(
    find: (out: { stdout: string; stderr: string }) => T | undefined,
    timeoutMs = 60_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find({ stdout: this.stdout, stderr: this.stderr });
      if (found !== undefined) return found;
      if (this.child.exitCode !== null) {
        throw new Error(`the CLI exited (${this.child.exitCode}):\n${this.stdout}\n${this.stderr}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for CLI output:\n${this.stdout}\n${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** JSON lines of stdout (the server's log). */
  jsonLines(): Record<string, unknown>[] {
    return this.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async stop(signal: NodeJS.Signals = "SIGINT", timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
