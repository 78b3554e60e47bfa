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
import {
  authHeaders,
  problemMismatch,
  runLength,
  startTcpProxy,
  type TcpProxy,
  timedRequest,
} from "./support/index.js";

/**
 * Bounds shorter than the defaults (docs/reliability.md), so a fault case runs in seconds, yet
 * long enough for a loaded CI machine to connect at start-up (the server exits when it cannot).
 */
const CONNECT_TIMEOUT_MS = 3_000;
const STATEMENT_TIMEOUT_MS = 4_000;
const BOUNDED_ENV = {
  CHRONICLE_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
  CHRONICLE_DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
  CHRONICLE_DB_POOL_SIZE: "4",
};
/**
 * The documented bound on one answer while the database is away: a connection (opened, or
 * awaited in the pool then opened), then one statement and the client's margin.
 */
const ANSWER_BOUND_MS = 2 * CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 1_000;
/** A loaded CI machine may stretch timers; a hang is still far beyond this. */
const LOAD_SLACK = 3;

interface Acknowledged {
  key: string;
  id: string;
  seq: number;
}

/** One event with a recognisable marker, sent until acknowledged; every refusal is checked. */
async function writeUntilAcknowledged(
  url: string,
  apiKey: string,
  key: string,
  deviations: string[],
  counts: { unavailable: number },
): Promise<Acknowledged> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const response = await timedRequest(`${url}/v1/events`, {
      method: "POST",
      headers: authHeaders(apiKey, { "Content-Type": "application/json", "Idempotency-Key": key }),
      body: JSON.stringify({
        action: "reliability.write",
        actor: { type: "system", id: "writer" },
        metadata: { key },
      }),
      timeoutMs: ANSWER_BOUND_MS * LOAD_SLACK,
    });
    if (response.status === 201 || response.status === 200) {
      const body = response.body as { id: string; seq: number };
      return { key, id: body.id, seq: body.seq };
    }
    const mismatch = problemMismatch(response, 503, "unavailable");
    if (mismatch) deviations.push(`${key}: ${mismatch}`);
    else counts.unavailable += 1;
    await sleep(50 + Math.random() * 150);
  }
  throw new Error(`${key} was never acknowledged`);
}

/** Rows recorded per idempotency key marker: each must be exactly one. */
async function rowsByKey(database: PostgresDatabase, projectId: string) {
  const rows = await database.query<{ key: string; n: string; ids: string[] }>(
    `SELECT metadata->>'key' AS key, count(*) AS n, array_agg(id) AS ids FROM events
      WHERE project_id = $1 AND action = 'reliability.write' GROUP BY 1`,
    [projectId],
  );
  return new Map(rows.map((row) => [row.key, { n: Number(row.n), ids: row.ids }]));
}

async function waitForStatus(url: string, status: number, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await timedRequest(url, { timeoutMs: 5_000 });
    if (response.status === status) return Date.now() - started;
    if (Date.now() - started > withinMs) {
      throw new Error(`${url} did not answer ${status} within ${withinMs} ms`);
    }
    await sleep(200);
  }
}

describe.skipIf(!POSTGRES_URL)("database faults against a server process on PostgreSQL", () => {
  let database: PostgresDatabase;
  let project: CreatedProject;
  const servers: ServerProcess[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    database = await createPostgresDatabase("dbfaults");
    project = await createProjectWithCli({ databaseUrl: database.url }, "database faults");
  }, 300_000);

  afterAll(async () => {
    for (const server of servers) await server.stop();
    for (const proxy of proxies) await proxy.close();
    await database?.drop();
  }, 60_000);

  it("when the database terminates the server's sessions under write load, then the server stays up, answers 503 with Retry-After, recovers by itself and loses no acknowledged write", async () => {
    const server = await startServerProcess({ databaseUrl: database.url, env: BOUNDED_ENV });
    servers.push(server);
    const writers = runLength(6, 16);
    const perWriter = runLength(40, 150);
    const terminations = runLength(6, 25);
    const deviations: string[] = [];
    const counts = { unavailable: 0 };
    let terminated = 0;
    let writing = true;

    // A live tail through the whole run: its LISTEN connection is terminated too.
    const tail = await fetch(`${server.url}/v1/events/stream`, {
      headers: authHeaders(project.api_key),
    });
    expect(tail.status).toBe(200);

    const killer = (async () => {
      for (let i = 0; i < terminations && writing; i++) {
        await sleep(runLength(400, 300));
        terminated += await database.terminateConnections();
      }
    })();
    const acknowledged = (
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const mine: Acknowledged[] = [];
          for (let i = 0; i < perWriter; i++) {
            mine.push(
              await writeUntilAcknowledged(
                server.url,
                project.api_key,
                `t-${w}-${i}`,
                deviations,
                counts,
              ),
            );
          }
          return mine;
        }),
      )
    ).flat();
    writing = false;
    await killer;
    await tail.body?.cancel().catch(() => undefined);

    expect(deviations, "every refused write is a 503 unavailable with Retry-After").toEqual([]);
    expect(server.alive, server.output()).toBe(true);
    expect(terminated, "sessions were terminated").toBeGreaterThan(0);
    await waitForStatus(`${server.url}/v1/health/ready`, 200, 15_000);

    const recorded = await rowsByKey(database, project.project_id);
    const missing = acknowledged.filter((ack) => !recorded.get(ack.key)?.ids.includes(ack.id));
    const duplicated = [...recorded].filter(([, row]) => row.n !== 1);
    expect(missing, "acknowledged but not recorded").toEqual([]);
    expect(duplicated, "recorded more than once").toEqual([]);
    expect(recorded.size).toBe(writers * perWriter);
    process.stdout.write(
      `terminate: ${writers * perWriter} writes, ${terminated} sessions terminated, ${counts.unavailable} × 503, 0 lost, 0 duplicated\n`,
    );
  }, 480_000);

  it("when the database becomes unreachable, then every request is answered within the bound, liveness stays 200, readiness is 503, and the server reconnects when it returns", async () => {
    const proxy = await startTcpProxy({ host: database.host, port: database.port });
    proxies.push(proxy);
    const server = await startServerProcess({
      databaseUrl: proxy.rewrite(database.url),
      env: BOUNDED_ENV,
    });
    servers.push(server);
    const deviations: string[] = [];
    const counts = { unavailable: 0 };
    await writeUntilAcknowledged(server.url, project.api_key, "cut-before", deviations, counts);

    const slowest: Record<string, number> = {};
    for (const mode of ["partition", "blackhole", "refuse"] as const) {
      proxy.cut(mode);
      // Health outcomes are reused for a second (a load balancer's probes cost one ping).
      await sleep(1_100);
      const requests = {
        live: timedRequest(`${server.url}/v1/health/live`, { timeoutMs: 60_000 }),
        ready: timedRequest(`${server.url}/v1/health/ready`, { timeoutMs: 60_000 }),
        health: timedRequest(`${server.url}/v1/health`, { timeoutMs: 60_000 }),
        list: timedRequest(`${server.url}/v1/events?limit=5`, {
          headers: authHeaders(project.api_key),
          timeoutMs: 60_000,
        }),
        write: timedRequest(`${server.url}/v1/events`, {
          method: "POST",
          headers: authHeaders(project.api_key, { "Content-Type": "application/json" }),
          body: JSON.stringify({ action: "reliability.cut", actor: { type: "system", id: "x" } }),
          timeoutMs: 60_000,
        }),
      };
      const answers = Object.fromEntries(
        await Promise.all(
          Object.entries(requests).map(async ([name, pending]) => [name, await pending] as const),
        ),
      );
      for (const [name, answer] of Object.entries(answers)) {
        slowest[`${mode} ${name}`] = Math.round(answer.elapsedMs);
        expect(answer.elapsedMs, `${mode}: ${name} answered within the bound`).toBeLessThan(
          ANSWER_BOUND_MS * LOAD_SLACK,
        );
        if (name === "live") {
          expect(answer.status, `${mode}: liveness`).toBe(200);
        } else {
          expect(problemMismatch(answer, 503, "unavailable"), `${mode}: ${name}`).toBeUndefined();
        }
      }
      expect(server.alive, server.output()).toBe(true);
      proxy.restore();
      const recoveredMs = await waitForStatus(`${server.url}/v1/health/ready`, 200, 20_000);
      slowest[`${mode} recovery`] = recoveredMs;
      await writeUntilAcknowledged(
        server.url,
        project.api_key,
        `cut-after-${mode}`,
        deviations,
        counts,
      );
    }
    expect(deviations).toEqual([]);
    process.stdout.write(`unreachable (ms): ${JSON.stringify(slowest)}\n`);
  }, 480_000);
});
