import { spawn } from "node:child_process";
import { join } from "node:path";
import {
  CliProcess,
  cliEnv,
  createTestDatabase,
  REPO_ROOT,
  runCli,
  type TestDatabase,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The JSON log is written in blocks (telemetry/logger.ts): lines buffered when the server is
 * told to stop must still reach stdout. PGlite only: what is tested is the process's output.
 */
describe("a served process's buffered log", () => {
  let db: TestDatabase;
  let apiKey: string;

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    const created = await runCli(
      ["project", "create", "--name", "Log flush"],
      cliEnv({ CHRONICLE_DATA_DIR: join(db.dataDir, "pglite") }),
    );
    expect(created.code, created.stderr).toBe(0);
    apiKey = (JSON.parse(created.stdout) as { api_key: string }).api_key;
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
  });

  it.each(["SIGTERM", "SIGINT"] as const)(
    "when the server gets %s right after answering requests, then every request line is in its output",
    async (signal) => {
      const server = new CliProcess(
        ["serve", "--port", "0"],
        cliEnv({
          CHRONICLE_DATA_DIR: join(db.dataDir, "pglite"),
          LOG_LEVEL: "info",
          LOG_FORMAT: "json",
        }),
      );
      const listening = await server.waitFor(() =>
        server.jsonLines().find((line) => line.message === "listening"),
      );
      const base = String(listening.url);
      // Fewer bytes than one block of the log's buffer, so they are still held when the signal comes.
      const requestIds: string[] = [];
      for (let i = 0; i < 20; i++) {
        const answer = await fetch(`${base}/v1/events?limit=1`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        expect(answer.status).toBe(200);
        await answer.arrayBuffer();
        requestIds.push(String(answer.headers.get("request-id")));
      }
      const code = await server.stop(signal);
      expect(code).toBe(0);
      const logged = new Set(
        server
          .jsonLines()
          .filter((line) => line.message === "request")
          .map((line) => line.request_id),
      );
      expect(requestIds.filter((id) => !logged.has(id))).toEqual([]);
    },
    120_000,
  );

  it.each([
    ["an uncaught exception", "setTimeout(() => { throw new Error('crash'); }, 10);"],
    ["an unhandled rejection", "Promise.reject(new Error('crash'));"],
  ])(
    "when the process dies of %s, then the lines logged before it are in its output",
    async (_, crash) => {
      const code = [
        "import { createLogger } from './packages/server/src/telemetry/logger.ts';",
        "const logger = createLogger('info', { format: 'json' });",
        "for (let i = 0; i < 20; i++) logger.info('before the crash', { line: i });",
        crash,
      ].join("\n");
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", code],
        {
          cwd: REPO_ROOT,
        },
      );
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      const exitCode = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(exitCode).not.toBe(0);
      const lines = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { message: string; line: number });
      expect(
        lines.filter((line) => line.message === "before the crash").map((line) => line.line),
      ).toEqual(Array.from({ length: 20 }, (_, i) => i));
    },
    60_000,
  );
});
