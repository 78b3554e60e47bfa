import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { integrityConfig } from "../../packages/server/src/integrity-config.js";
import { generateSignerKey } from "../../packages/server/src/services/integrity/signed-note.js";
import { secretsFrom } from "../../packages/server/src/services/system/secrets.js";
import type { Pinning } from "./affinity.js";
import { type ChildServer, run, spawnServer } from "./processes.js";

export interface Project {
  project_id: string;
  api_key: string;
}

export interface ChronicleEnvironment {
  /** PostgreSQL URL, or undefined for the embedded PGlite store in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
}

/**
 * The run's secrets, the same for every server it starts and for the workloads' own
 * in-process stores (so that checkpoints one signs, the others trust), as replicas share them.
 */
export const BENCH_SECRETS = {
  CHRONICLE_CHECKPOINT_KEY: generateSignerKey("chronicle.bench/run"),
  CHRONICLE_CHECKPOINT_ORIGIN: "chronicle.bench/run",
  CHRONICLE_TOKEN_SECRETS: randomBytes(32).toString("base64url"),
};

/** The key every server of the run signs cursors with, read as the server reads its config. */
export function benchCursorSecret(): Buffer {
  return secretsFrom(integrityConfig(BENCH_SECRETS).secrets).tokens.current;
}

/** Server environment for a bench run: rate limits out of the way, request logs off. */
export function serverEnv(target: ChronicleEnvironment, extra: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHRONICLE_DATA_DIR: target.dataDir,
    CHRONICLE_RATE_LIMIT_PER_MINUTE: "1000000000",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    ...BENCH_SECRETS,
    ...extra,
  };
  if (target.databaseUrl) env.DATABASE_URL = target.databaseUrl;
  else delete env.DATABASE_URL;
  return env;
}

export class Chronicle {
  constructor(
    private readonly repoRoot: string,
    private readonly target: ChronicleEnvironment,
  ) {}

  private get bin(): string {
    return join(this.repoRoot, "packages/server/bin/chronicle.mjs");
  }

  cli(args: string[]): Promise<string> {
    return run(process.execPath, [this.bin, ...args], {
      cwd: this.repoRoot,
      env: serverEnv(this.target),
    });
  }

  async migrate(): Promise<void> {
    await this.cli(["migrate"]);
  }

  async createProject(name: string): Promise<Project> {
    const output = await this.cli(["project", "create", "--name", name]);
    const line = output.trim().split("\n").filter(Boolean).pop() ?? "";
    const project = JSON.parse(line) as Project;
    if (!project.project_id || !project.api_key) {
      throw new Error(`unexpected output of project create: ${output}`);
    }
    return project;
  }

  /** `chronicle serve` as a child, pinned to the server core when pinning is on. */
  serve(options: {
    name: string;
    pinning: Pinning;
    logDir: string;
    nodeFlags?: string[];
    extraEnv?: NodeJS.ProcessEnv;
  }): Promise<ChildServer> {
    return spawnServer({
      name: options.name,
      command: [process.execPath, ...(options.nodeFlags ?? []), this.bin, "serve"],
      prefix: options.pinning.serverPrefix,
      env: serverEnv(this.target, options.extraEnv),
      logDir: options.logDir,
      cwd: this.repoRoot,
    });
  }
}
