import { setTimeout as sleep } from "node:timers/promises";
import {
  type CreatedProject,
  createPostgresDatabase,
  createProjectWithCli,
  POSTGRES_URL,
  type PostgresDatabase,
  type ServerProcess,
  startServerProcess,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLength, sdkFor } from "./support/index.js";

describe.skipIf(!POSTGRES_URL)("kill -9 of the server during SDK ingest", () => {
  let database: PostgresDatabase;
  let project: CreatedProject;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    database = await createPostgresDatabase("kill9");
    project = await createProjectWithCli({ databaseUrl: database.url }, "kill -9");
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  }, 60_000);

  it("when the server is killed and restarted while SDK clients write with retries, then every acknowledged event is recorded exactly once", async () => {
    server = await startServerProcess({ databaseUrl: database.url });
    const writers = runLength(4, 12);
    const cycles = runLength(2, 9);
    // Retries outlast a restart (tens of seconds on a loaded machine).
    const sdk = sdkFor(server.url, project.api_key, {
      maxRetries: 60,
      maxRetryTimeMs: 180_000,
      timeoutMs: 10_000,
    });
    const acknowledged = new Map<string, string>();
    const failures: string[] = [];
    let writing = true;

    const writerLoops = Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; writing; i++) {
        const key = `k-${w}-${i}`;
        try {
          const event = await sdk.events.create({
            action: "reliability.kill",
            actor: { type: "system", id: `writer-${w}` },
            metadata: { key },
          });
          acknowledged.set(key, event.id);
        } catch (error) {
          failures.push(`${key}: ${String(error)}`);
        }
      }
    });

    let kills = 0;
    for (let cycle = 0; cycle < cycles; cycle++) {
      await sleep(1_500);
      await server.kill("SIGKILL");
      kills += 1;
      server = await server.restart();
    }
    await sleep(1_000);
    writing = false;
    await Promise.all(writerLoops);

    const rows = await database.query<{ key: string; n: string; ids: string[] }>(
      `SELECT metadata->>'key' AS key, count(*) AS n, array_agg(id) AS ids FROM events
        WHERE project_id = $1 AND action = 'reliability.kill' GROUP BY 1`,
      [project.project_id],
    );
    const recorded = new Map(rows.map((row) => [row.key, row]));
    const lost = [...acknowledged].filter(([key, id]) => !recorded.get(key)?.ids.includes(id));
    const duplicated = rows.filter((row) => Number(row.n) !== 1).map((row) => row.key);
    expect(kills).toBe(cycles);
    expect(lost, "acknowledged but not recorded").toEqual([]);
    expect(duplicated, "recorded more than once").toEqual([]);
    expect(failures, "calls the SDK gave up on").toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(writers * cycles);
    process.stdout.write(
      `kill -9: ${kills} kills, ${acknowledged.size} acknowledged, ${rows.length} recorded, 0 lost, 0 duplicated\n`,
    );
  }, 900_000);
});
