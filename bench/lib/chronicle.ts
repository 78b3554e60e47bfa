import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  runCli,
  type ServerTarget,
  serverEnvironment,
  startServerProcess,
} from "@chronicle/test-kit";
import { integrityConfig } from "../../packages/server/src/integrity-config.js";
import { generateSignerKey } from "../../packages/server/src/services/integrity/signed-note.js";
import { secretsFrom } from "../../packages/server/src/services/system/secrets.js";
import type { Pinning } from "./affinity.js";
import { type ChildServer, rssOf } from "./processes.js";

/** Migrating or creating a project on a loaded machine can take a while. */
const CLI_TIMEOUT_MS = 600_000;

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

/** What every bench server and CLI run gets besides its store: production mode, the run's secrets. */
function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { NODE_ENV: "production", ...BENCH_SECRETS, ...extra };
}

/** `chronicle` against one store, started through the test kit (rate limits lifted, logs at warn). */
export class Chronicle {
  constructor(private readonly target: ChronicleEnvironment) {}

  private get store(): ServerTarget {
    return { databaseUrl: this.target.databaseUrl, dataDir: this.target.dataDir };
  }

  async cli(args: string[]): Promise<string> {
    const result = await runCli(args, serverEnvironment(this.store, benchEnv()), CLI_TIMEOUT_MS);
    if (result.code !== 0) {
      throw new Error(
        `chronicle ${args.join(" ")} exited ${result.code}: ${result.stderr || result.stdout}`,
      );
    }
    return result.stdout;
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
  async serve(options: {
    name: string;
    pinning: Pinning;
    logDir: string;
    nodeFlags?: string[];
    extraEnv?: NodeJS.ProcessEnv;
    /** The port to bind (a free one when absent). */
    port?: number;
  }): Promise<ChildServer> {
    const logFile = join(options.logDir, `${options.name}.log`);
    const server = await startServerProcess({
      ...this.store,
      env: benchEnv(options.extraEnv),
      prefix: options.pinning.serverPrefix,
      nodeFlags: options.nodeFlags,
      logFile,
      startTimeoutMs: 90_000,
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    return {
      name: options.name,
      url: server.url,
      pid: server.pid,
      logFile,
      rssBytes: () => rssOf(server.pid),
      stop: async () => {
        await server.stop();
      },
    };
  }
}
