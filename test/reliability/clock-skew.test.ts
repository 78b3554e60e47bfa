import { setTimeout as sleep } from "node:timers/promises";
import {
  atRemovalClock,
  type CreatedProject,
  createPostgresDatabase,
  createProjectWithCli,
  POSTGRES_URL,
  type PostgresDatabase,
  type ServerProcess,
  startServerProcess,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeExpired } from "../../packages/server/src/services/index.js";
import { openStore } from "../../packages/server/src/store/index.js";
import { authHeaders, skewedClockEnv, timedRequest } from "./support/index.js";

const DAY_MS = 86_400_000;
/** The replica's clock runs two days ahead: with a one-day retention, its own now would purge everything. */
const SKEW_MS = 2 * DAY_MS;
const PURGE_INTERVAL_MS = 300;

describe.skipIf(!POSTGRES_URL)("a replica with a skewed clock", () => {
  let database: PostgresDatabase;
  let project: CreatedProject;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    database = await createPostgresDatabase("clockskew");
    project = await createProjectWithCli({ databaseUrl: database.url }, "clock skew");
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  }, 60_000);

  it("when its clock is two days ahead, then the events it receives carry the database's time and its retention purge keeps them", async () => {
    server = await startServerProcess({
      databaseUrl: database.url,
      env: { ...skewedClockEnv(SKEW_MS), CHRONICLE_PURGE_INTERVAL_MS: String(PURGE_INTERVAL_MS) },
    });
    const { url } = server;
    const headers = authHeaders(project.api_key, { "Content-Type": "application/json" });

    // The preload works: the process's own clock is two days ahead of this one.
    const health = await timedRequest(`${url}/v1/health/live`);
    expect(health.status).toBe(200);

    const updated = await timedRequest(`${url}/v1/project`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ retention_days: 1 }),
    });
    expect(updated.status).toBe(200);

    const written = await timedRequest(`${url}/v1/events/batch`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        events: Array.from({ length: 20 }, (_, i) => ({
          action: "reliability.skew",
          actor: { type: "system", id: `writer-${i}` },
        })),
      }),
    });
    if (written.status !== 201) throw new Error(`batch: ${JSON.stringify(written)}`);
    const events = (written.body as { data: { created_at: string; occurred_at: string }[] }).data;
    expect(events).toHaveLength(20);
    for (const event of events) {
      // Receipt and default occurrence times are the database's, not the replica's.
      expect(Math.abs(Date.parse(event.created_at) - Date.now())).toBeLessThan(10 * 60_000);
      expect(Math.abs(Date.parse(event.occurred_at) - Date.now())).toBeLessThan(10 * 60_000);
    }

    // Several of the replica's purge runs.
    await sleep(PURGE_INTERVAL_MS * 8);
    expect(server.alive, server.output()).toBe(true);
    const [kept] = await database.query<{ n: string }>(
      "SELECT count(*) AS n FROM events WHERE project_id = $1 AND action = 'reliability.skew'",
      [project.project_id],
    );
    expect(Number(kept?.n)).toBe(20);

    // The control: a cut-off from the replica's clock (the database's removal clock moved to
    // it, as only the schema's owner can) would have purged every one of them.
    await server.stop();
    const store = await openStore({ databaseUrl: database.url, poolSize: 1 });
    try {
      const reports = await atRemovalClock(store, new Date(Date.now() + SKEW_MS), () =>
        purgeExpired(store),
      );
      const purged = reports.find((report) => report.project_id === project.project_id)?.purged;
      expect(purged).toBeGreaterThanOrEqual(20);
    } finally {
      await store.close();
    }
  }, 400_000);
});
