import { join } from "node:path";
import {
  CliProcess,
  cliEnv,
  createTestDatabase,
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
});
