import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import {
  attribute,
  awayFromMinuteEdge,
  type CreatedProject,
  createPostgresDatabase,
  createProjectWithCli,
  freePort,
  issueEvent,
  liveReplicas,
  OtlpReceiver,
  POSTGRES_URL,
  type PostgresDatabase,
  Receiver,
  type ServerProcess,
  startServerProcess,
  waitFor,
  waitForReplicas,
} from "@chronicle/test-kit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Event, verifyChain } from "../../packages/sdk/src/index.js";
import {
  relayProof,
  rendezvousOwner,
  replicaProof,
} from "../../packages/server/src/services/system/replica-set.js";
import { authHeaders, sdkFor, startTcpProxy, type TcpProxy } from "./support/index.js";

/**
 * Replicas configured with their URLs and the shared secret forward each project's appends
 * to the replica that owns the project (rendezvous hashing over the set in the `replicas`
 * table), so one project's chain is appended by one process. Checked from the outside: each
 * replica's count of committed events is exactly the events of the projects it owns, and
 * every guarantee of the chain holds whichever replica a request reached. Then the failures:
 * an owner killed, one stopped, and a row in `replicas` written with the database alone.
 */
const SECRET = "forwarding-test-secret-0123456789abcdef";
const METRICS_TOKEN = "forwarding-metrics";
const AUTH_FAILURES_PER_MINUTE = 5;
const PROJECTS = 6;
const REPLICAS = 3;

async function post(
  url: string,
  apiKey: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { ...authHeaders(apiKey), "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function metric(server: ServerProcess, line: RegExp): Promise<number> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await response.text();
  const match = text.split("\n").find((row) => line.test(row));
  return match ? Number(match.split(" ").pop()) : 0;
}

/** The server's log lines (JSON at `info`) with `message` (the access log's by default), as written so far. */
function accessLines(server: ServerProcess, message = "request"): Record<string, unknown>[] {
  return server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.message === message);
}

/** Waits (lines are written every 100 ms) for log lines with `message` that `match`. */
async function loggedRequests(
  server: ServerProcess,
  match: (line: Record<string, unknown>) => boolean,
  count: number,
  message = "request",
): Promise<Record<string, unknown>[]> {
  for (let tries = 0; ; tries++) {
    const lines = accessLines(server, message).filter(match);
    if (lines.length >= count || tries === 50) return lines;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Waits until `server`'s own view of the replica set (the last "replica set changed" it
 * logged) is `urls`: the `replicas` table holding a row is not yet the replica having read it.
 */
async function waitForView(server: ServerProcess, urls: string[]): Promise<void> {
  const expected = [...urls].sort();
  const sameSet = (line: Record<string, unknown>) =>
    (line.replicas as string[]).join(" ") === expected.join(" ");
  await loggedRequests(server, sameSet, 1, "replica set changed");
  const last = accessLines(server, "replica set changed").at(-1);
  expect(last?.replicas, `${server.url}'s view of the replica set`).toEqual(expected);
}

/**
 * A listener that never accepts: its queue (one connection) is filled, so a further connection
 * attempt gets no answer at all, as from an address behind a firewall that drops packets.
 */
async function unansweringListener(): Promise<{ url: string; close(): void }> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const server = require("node:net").createServer();
       server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
         process.stdout.write(server.address().port + "\\n");
         setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 50);
       });`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once("data", (chunk: Buffer) => resolve(Number(String(chunk).trim()))),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  const fillers: Socket[] = [];
  for (let n = 0; n < 2; n++) {
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    fillers.push(socket);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      for (const socket of fillers) socket.destroy();
      child.kill("SIGKILL");
    },
  };
}

const ingested = (server: ServerProcess) => metric(server, /^chronicle_ingested_events_total /);
const forwarded = (server: ServerProcess, outcome: string) =>
  metric(server, new RegExp(`^chronicle_forwarded_appends_total\\{outcome="${outcome}"\\}`));

describe.skipIf(!POSTGRES_URL)("appends forwarded to their project's replica (PostgreSQL)", () => {
  let db: PostgresDatabase;
  let pool: pg.Pool;
  let servers: ServerProcess[] = [];
  const traces = new OtlpReceiver();
  const projects: CreatedProject[] = [];

  let tracesEndpoint = "";

  async function startReplica(port: number): Promise<ServerProcess> {
    return startServerProcess({
      databaseUrl: db.url,
      port,
      env: {
        CHRONICLE_REPLICA_URL: `http://127.0.0.1:${port}`,
        CHRONICLE_REPLICA_SECRET: SECRET,
        CHRONICLE_METRICS_TOKEN: METRICS_TOKEN,
        CHRONICLE_RATE_LIMIT_PER_MINUTE: "100000",
        CHRONICLE_AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES_PER_MINUTE),
        OTEL_EXPORTER_OTLP_ENDPOINT: tracesEndpoint,
        LOG_LEVEL: "info",
      },
    });
  }

  async function allEvents(project: CreatedProject, via: ServerProcess): Promise<Event[]> {
    const events: Event[] = [];
    for await (const event of sdkFor(via.url, project.api_key).events.export({
      format: "ndjson",
    })) {
      events.push(event);
    }
    return events;
  }

  beforeAll(async () => {
    db = await createPostgresDatabase("forwarding");
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    tracesEndpoint = await traces.start();
    for (let index = 0; index < PROJECTS; index++) {
      projects.push(await createProjectWithCli({ databaseUrl: db.url }, `Forwarded ${index}`));
    }
    const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
    servers = await Promise.all(ports.map((port) => startReplica(port)));
    await waitForReplicas(pool, REPLICAS, 10_000);
    const urls = servers.map((server) => server.url);
    await Promise.all(servers.map((server) => waitForView(server, urls)));
  }, 180_000);

  /** Failed authentications counted per address in the current window. */
  async function authFailures(): Promise<Map<string, number>> {
    const { rows } = await pool.query<{ subject: string; count: number }>(
      `SELECT subject, count FROM rate_limits WHERE project_id = ''
         AND subject LIKE 'auth-failure:%' AND window_start = date_trunc('minute', now())`,
    );
    return new Map(rows.map((row) => [row.subject.slice("auth-failure:".length), row.count]));
  }

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await pool?.end();
    await db?.drop();
    await traces.stop();
  });

  it("when every replica takes appends for every project, then each project's events are appended by its owner alone, and the chain holds", async () => {
    const members = await liveReplicas(pool);
    expect(members).toEqual(servers.map((server) => server.url).sort());
    const owners = projects.map((project) => rendezvousOwner(members, project.project_id));
    const before = await Promise.all(servers.map(ingested));
    const sent = await Promise.all(
      projects.flatMap((project) =>
        servers.flatMap((server, at) =>
          Array.from({ length: 4 }, async (_, n) => {
            const summary = `p ${project.project_id} via ${at} #${n}`;
            if (n === 3) {
              return post(server.url, project.api_key, "/v1/events/batch", {
                events: [issueEvent(n, { summary }), issueEvent(n, { summary: `${summary}b` })],
              });
            }
            return post(server.url, project.api_key, "/v1/events", issueEvent(n, { summary }));
          }),
        ),
      ),
    );
    expect(sent.map((answer) => answer.status)).toEqual(sent.map(() => 201));
    const perProject = REPLICAS * 5;
    const after = await Promise.all(servers.map(ingested));
    servers.forEach((server, at) => {
      const owned = owners.filter((owner) => owner === server.url).length;
      expect((after[at] as number) - (before[at] as number)).toBe(owned * perProject);
    });
    // Forwarded: what reached a replica other than the owner.
    const forwardedCount = (
      await Promise.all(servers.map((s) => forwarded(s, "forwarded")))
    ).reduce((sum, n) => sum + n, 0);
    expect(forwardedCount).toBe(PROJECTS * (REPLICAS - 1) * 4);

    for (const project of projects) {
      const events = await allEvents(project, servers[0] as ServerProcess);
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
      expect(await verifyChain(events)).toMatchObject({ valid: true });
      const ours = events.filter((event) => event.summary?.startsWith("p "));
      expect(ours).toHaveLength(perProject);
      expect(new Set(ours.map((event) => event.summary)).size).toBe(perProject);
    }
  }, 120_000);

  it("when one Idempotency-Key is sent to every replica at once, then one request is recorded and every answer is byte-identical", async () => {
    const project = projects[0] as CreatedProject;
    const body = { events: [issueEvent(1, { summary: "keyed across replicas" }), issueEvent(2)] };
    const answers = await Promise.all(
      [...servers, ...servers].map((server) =>
        post(server.url, project.api_key, "/v1/events/batch", body, {
          "Idempotency-Key": "forwarded-key",
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    const page = await sdkFor((servers[1] as ServerProcess).url, project.api_key).events.list({
      search: "keyed across replicas",
    });
    expect(page.data).toHaveLength(1);
  }, 60_000);

  it("when a replica's row is written with the database alone (no valid proof), then nothing is ever forwarded to it", async () => {
    const trap = new Receiver(() => ({ status: 201, body: "{}" }));
    await trap.start();
    const write = () =>
      pool.query(
        `INSERT INTO replicas (url, proof, seen_at) VALUES ($1, $2, now())
         ON CONFLICT (url) DO UPDATE SET seen_at = now(), proof = excluded.proof`,
        [trap.url, replicaProof("not-the-replicas-secret-0123456789", trap.url)],
      );
    try {
      await write();
      // Heard of at the next read of the set (every 2 s): two of them, then appends.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      await write();
      const answers = await Promise.all(
        projects.flatMap((project) =>
          servers.map((server) =>
            post(server.url, project.api_key, "/v1/events", issueEvent(7, { summary: "trap" })),
          ),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
      expect(trap.requests).toHaveLength(0);
    } finally {
      await pool.query("DELETE FROM replicas WHERE url = $1", [trap.url]);
      await trap.close();
    }
  }, 60_000);

  /**
   * A project that `url` owns: one of the replicas, or a replica joining them (ownership is
   * computed alike).
   */
  async function projectOwnedBy(url: string, label: string): Promise<CreatedProject> {
    const urls = servers.map((server) => server.url);
    const members = urls.includes(url) ? urls : [...urls, url];
    for (let tries = 0; tries < 40; tries++) {
      const created = await createProjectWithCli({ databaseUrl: db.url }, `${label} ${tries}`);
      if (rendezvousOwner(members, created.project_id) === url) return created;
    }
    throw new Error(`no project owned by ${url} in 40 tries`);
  }

  /**
   * Writes a valid member row for `url` (the test knows the secret) and keeps it fresh while
   * `attempt` is tried every 250 ms, until it holds or 10 s pass: the replicas read the set
   * every 2 s, later when the machine is busy.
   */
  async function asMember(url: string, attempt: () => Promise<boolean>): Promise<boolean> {
    const deadline = Date.now() + 10_000;
    try {
      for (;;) {
        await pool.query(
          `INSERT INTO replicas (url, proof, seen_at) VALUES ($1, $2, now())
           ON CONFLICT (url) DO UPDATE SET seen_at = now()`,
          [url, replicaProof(SECRET, url)],
        );
        if (await attempt()) return true;
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await pool.query("DELETE FROM replicas WHERE url = $1", [url]);
    }
  }

  /**
   * Makes `member` the owner of a new project and appends to it through another replica until
   * that replica has heard of the member: the append is made where it arrived, within
   * `withinMs`, and counted `owner_unreachable` once.
   */
  async function appendedWhereArrived(member: string, withinMs: number): Promise<void> {
    const project = await projectOwnedBy(member, "Orphan");
    const relay = servers[0] as ServerProcess;
    const before = await forwarded(relay, "owner_unreachable");
    const reached = await asMember(member, async () => {
      const started = Date.now();
      const answer = await post(relay.url, project.api_key, "/v1/events", issueEvent(1));
      expect(answer.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(withinMs);
      return (await forwarded(relay, "owner_unreachable")) > before;
    });
    expect(reached).toBe(true);
    expect(await forwarded(relay, "owner_unreachable")).toBe(before + 1);
  }

  it("when a replica in the set refuses connections, then its projects' appends are made where they arrive", async () => {
    // A port nothing listens on.
    await appendedWhereArrived(`http://127.0.0.1:${await freePort()}`, 3_000);
  }, 90_000);

  it("when a replica in the set never answers a connection, then the relay gives up after its connect timeout and appends where the request arrived", async () => {
    const silent = await unansweringListener();
    try {
      // The connect timeout (1 s), not the wait for an answer (the statement timeout, 20 s).
      await appendedWhereArrived(silent.url, 5_000);
    } finally {
      silent.close();
    }
  }, 90_000);

  it("when a replica relays an append under a traceparent, then its span is the caller's child and the owner's span its child, the owner logs the client and the relay, and the relay logs the hop under the owner's request id", async () => {
    const members = servers.map((server) => server.url);
    const relay = servers[0] as ServerProcess;
    // The shared projects may all be the relay's own (ownership follows the random ids).
    const project =
      projects.find((candidate) => rendezvousOwner(members, candidate.project_id) !== relay.url) ??
      (await projectOwnedBy((servers[1] as ServerProcess).url, "Traced"));
    const owner = servers.find(
      (server) => server.url === rendezvousOwner(members, project.project_id),
    ) as ServerProcess;
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const answer = await post(relay.url, project.api_key, "/v1/events", issueEvent(3), {
      traceparent: `00-${traceId}-${callerSpan}-01`,
    });
    expect(answer.status).toBe(201);

    const spanOf = (name: string) =>
      waitFor(
        () => traces.spans.find((s) => s.traceId === traceId && s.name === name),
        `span ${name} in trace ${traceId}`,
        10_000,
      );
    const relaySpan = await spanOf("relay createEvent");
    const ownerSpan = await spanOf("POST createEvent");
    expect(relaySpan.parentSpanId).toBe(callerSpan);
    expect(ownerSpan.parentSpanId).toBe(relaySpan.spanId);
    expect(attribute(relaySpan, "chronicle.relay.outcome")).toBe("forwarded");
    expect(attribute(relaySpan, "chronicle.relay.owner")).toBe(owner.url);
    expect(attribute(relaySpan, "http.response.status_code")).toBe(201);

    const requestId = answer.headers.get("request-id");
    const [line] = await loggedRequests(owner, (l) => l.request_id === requestId, 1);
    expect(line).toMatchObject({
      status: 201,
      relayed_by: relay.url,
      project_id: project.project_id,
    });
    expect(line?.client_address).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    // The relay logs the hop under the owner's request id, and not as a request of its own.
    const [hop] = await loggedRequests(relay, (l) => l.request_id === requestId, 1, "relayed");
    expect(hop).toMatchObject({
      method: "POST",
      path: "/v1/events",
      operation_id: "createEvent",
      project_id: project.project_id,
      relayed_to: owner.url,
      outcome: "forwarded",
      status: 201,
    });
    expect(hop?.client_address).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(hop?.latency_ms).toBeGreaterThan(0);
    expect(accessLines(relay).filter((l) => l.request_id === requestId)).toEqual([]);
    // Sent to the owner itself: its own client, no relay.
    const direct = await post(owner.url, project.api_key, "/v1/events", issueEvent(4));
    const [own] = await loggedRequests(
      owner,
      (l) => l.request_id === direct.headers.get("request-id"),
      1,
    );
    expect(own).toMatchObject({ status: 201 });
    expect(own).not.toHaveProperty("relayed_by");
    expect(own?.client_address).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  }, 60_000);

  it("when a replica relays an append, then it names the client's address with its proof", async () => {
    const recorder = new Receiver(() => ({ status: 201, body: "{}" }));
    await recorder.start();
    const member = recorder.url.replace(/\/$/, "");
    try {
      const project = await projectOwnedBy(member, "Recorded");
      const relay = servers[0] as ServerProcess;
      const reached = await asMember(member, async () => {
        const answer = await post(relay.url, project.api_key, "/v1/events", issueEvent(1), {
          "Chronicle-Forwarded-For": "198.51.100.1",
          "Chronicle-Relay-Proof": "from the client",
        });
        expect(answer.status).toBe(201);
        return recorder.requests.length > 0;
      });
      expect(reached).toBe(true);
      const [received] = recorder.requests;
      expect(received?.headers["chronicle-forwarded-by"]).toBe(relay.url);
      expect(received?.headers["chronicle-forwarded-for"]).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(received?.headers["chronicle-relay-proof"]).toBe(relayProof(SECRET, relay.url));
    } finally {
      await recorder.close();
    }
  }, 90_000);

  it("when the relay's connection to the owner has been idle nearly as long as the owner keeps it, then the next append goes on a new connection", async () => {
    // The owner keeps an idle connection 2 s (and says so in `Keep-Alive: timeout=2`): the
    // relay must let it go after 1 s, not send on it as the owner closes it.
    const owner = await new Receiver(() => ({ status: 201, body: "{}" })).start({
      keepAliveMs: 2_000,
    });
    const member = owner.url.replace(/\/$/, "");
    try {
      const project = await projectOwnedBy(member, "Kept alive");
      const relay = servers[0] as ServerProcess;
      const append = async () =>
        (await post(relay.url, project.api_key, "/v1/events", issueEvent(1))).status;
      const reached = await asMember(member, async () => {
        expect(await append()).toBe(201);
        if (owner.requests.length === 0) return false;
        expect(await append()).toBe(201);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(await append()).toBe(201);
        return true;
      });
      expect(reached).toBe(true);
      const [first, second, third] = owner.requests.map((request) => request.senderPort);
      expect(second).toBe(first);
      expect(third).not.toBe(second);
    } finally {
      await owner.close();
    }
  }, 90_000);

  it("when a relayed request fails authentication, then the owner counts it against the client's address the relay named, and only with the relay's proof", async () => {
    await awayFromMinuteEdge(15_000);
    const [owner, relay] = servers as [ServerProcess, ServerProcess];
    const failWith = async (headers: Record<string, string>, times: number) => {
      const statuses: number[] = [];
      for (let n = 0; n < times; n++) {
        statuses.push(
          (await post(owner.url, "ck_not_a_key", "/v1/events", issueEvent(n), headers)).status,
        );
      }
      return statuses;
    };
    const relayed = (client: string, proof: string) => ({
      "Chronicle-Forwarded-By": relay.url,
      "Chronicle-Forwarded-For": client,
      "Chronicle-Relay-Proof": proof,
    });
    const proof = relayProof(SECRET, relay.url);
    expect(await failWith(relayed("203.0.113.7", proof), AUTH_FAILURES_PER_MINUTE + 2)).toEqual([
      ...Array.from({ length: AUTH_FAILURES_PER_MINUTE + 1 }, () => 401),
      429,
    ]);
    // Another client behind the same replica is not throttled with it.
    expect(await failWith(relayed("203.0.113.8", proof), 1)).toEqual([401]);
    const before = await authFailures();
    // Without the relay's proof (the row's proof, another secret's), the named address is
    // not believed: the failures count against the connection's own address.
    expect(await failWith(relayed("203.0.113.9", replicaProof(SECRET, relay.url)), 1)).toEqual([
      401,
    ]);
    expect(
      await failWith(relayed("203.0.113.9", relayProof(`${SECRET}-not`, relay.url)), 1),
    ).toEqual([401]);
    const after = await authFailures();
    expect(after.get("203.0.113.9")).toBeUndefined();
    const local = [...after.keys()].find((address) => /127\.0\.0\.1$/.test(address)) ?? "";
    expect((after.get(local) ?? 0) - (before.get(local) ?? 0)).toBe(2);
    expect(after.get("203.0.113.7")).toBe(AUTH_FAILURES_PER_MINUTE + 1);
    // The owner's access log names the client the relay proved, and the relay; not otherwise.
    const named = await loggedRequests(
      owner,
      (line) => line.client_address === "203.0.113.7",
      AUTH_FAILURES_PER_MINUTE + 2,
    );
    expect(named.map((line) => [line.status, line.relayed_by])).toEqual([
      ...Array.from({ length: AUTH_FAILURES_PER_MINUTE + 1 }, () => [401, relay.url]),
      [429, relay.url],
    ]);
    expect(accessLines(owner).filter((line) => line.client_address === "203.0.113.9")).toEqual([]);
  }, 90_000);

  it("when an owner is killed, then its projects' appends are made by the replicas they reach, and when it is stopped, it leaves the set at once", async () => {
    const victim = servers[2] as ServerProcess;
    const owned = projects.filter(
      (project) =>
        rendezvousOwner(
          servers.map((s) => s.url),
          project.project_id,
        ) === victim.url,
    );
    const project = owned[0] ?? (projects[0] as CreatedProject);
    await victim.kill("SIGKILL");
    const answers = [];
    const unavailable = [];
    for (let n = 0; n < 10; n++) {
      for (const server of servers.slice(0, 2)) {
        // Each with a key, as the SDK sends: a request that left on a kept-alive connection
        // the owner's death had not yet closed here is answered 503 (the owner may have
        // appended it), and its retry with the same key is appended or replayed once.
        const key = { "Idempotency-Key": `after-kill-${randomBytes(8).toString("hex")}` };
        const body = issueEvent(n, { summary: "after kill" });
        const send = () => post(server.url, project.api_key, "/v1/events", body, key);
        let answer = await send();
        for (let retry = 0; answer.status === 503 && retry < 3; retry++) {
          unavailable.push(answer);
          answer = await send();
        }
        answers.push(answer);
      }
    }
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    for (const answer of unavailable) {
      expect(answer.headers.get("retry-after")).toBe("1");
      expect(JSON.parse(answer.text)).toMatchObject({ code: "unavailable" });
    }
    const events = await allEvents(project, servers[0] as ServerProcess);
    expect(events.filter((event) => event.summary === "after kill")).toHaveLength(20);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(await verifyChain(events)).toMatchObject({ valid: true });
    if (owned.length > 0) {
      const unreachable = await Promise.all(
        servers.slice(0, 2).map((server) => forwarded(server, "owner_unreachable")),
      );
      expect(unreachable.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    }

    // A graceful stop deletes the row: the set is the two left, without waiting for staleness.
    const [{ now: restartedAt }] = (await pool.query<{ now: Date }>("SELECT now()")).rows as [
      { now: Date },
    ];
    const restarted = await startReplica(victim.port);
    servers[2] = restarted;
    const joined = async () =>
      (
        await pool.query("SELECT 1 FROM replicas WHERE url = $1 AND seen_at > $2", [
          restarted.url,
          restartedAt,
        ])
      ).rowCount === 1;
    const deadline = Date.now() + 10_000;
    while (!(await joined()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await joined()).toBe(true);
    await restarted.stop();
    expect(await liveReplicas(pool)).toEqual(
      servers
        .slice(0, 2)
        .map((server) => server.url)
        .sort(),
    );
    servers = servers.slice(0, 2);
  }, 120_000);

  it("when a client sends the forwarding header itself, then its request is appended where it arrived", async () => {
    const project = projects[1] as CreatedProject;
    const answer = await post(
      (servers[0] as ServerProcess).url,
      project.api_key,
      "/v1/events",
      issueEvent(3, { summary: "header from a client" }),
      { "Chronicle-Forwarded-By": "http://elsewhere.invalid" },
    );
    expect(answer.status).toBe(201);
  }, 30_000);
});

describe.skipIf(!POSTGRES_URL)("an append that fails after it was forwarded (PostgreSQL)", () => {
  let db: PostgresDatabase;
  let receiving: ServerProcess;
  let owning: ServerProcess;
  let proxy: TcpProxy;
  let project: CreatedProject;

  beforeAll(async () => {
    db = await createPostgresDatabase("forwardfail");
    const [receivingPort, owningPort] = await Promise.all([freePort(), freePort()]);
    // The owner is known to the others by a proxy in front of it, which the test cuts.
    proxy = await startTcpProxy({ host: "127.0.0.1", port: owningPort });
    const env = (url: string) => ({
      CHRONICLE_REPLICA_URL: url,
      CHRONICLE_REPLICA_SECRET: SECRET,
      CHRONICLE_METRICS_TOKEN: METRICS_TOKEN,
      CHRONICLE_DB_STATEMENT_TIMEOUT_MS: "2000",
      LOG_LEVEL: "info",
    });
    const owningUrl = `http://127.0.0.1:${proxy.port}`;
    const receivingUrl = `http://127.0.0.1:${receivingPort}`;
    for (let tries = 0; tries < 20; tries++) {
      const created = await createProjectWithCli({ databaseUrl: db.url }, `Owned ${tries}`);
      if (rendezvousOwner([owningUrl, receivingUrl], created.project_id) === owningUrl) {
        project = created;
        break;
      }
    }
    [receiving, owning] = await Promise.all([
      startServerProcess({ databaseUrl: db.url, port: receivingPort, env: env(receivingUrl) }),
      startServerProcess({ databaseUrl: db.url, port: owningPort, env: env(owningUrl) }),
    ]);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM replicas");
      if (rows[0]?.n === 2 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await pool.end();
    await waitForView(receiving, [receivingUrl, owningUrl]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([receiving?.stop(), owning?.stop()]);
    await proxy?.close();
    await db?.drop();
  });

  it("when the owner takes the request and never answers, then the client gets a 503 with Retry-After under the relay's own request id, and its retry with the same key is appended once", async () => {
    expect(project).toBeDefined();
    const body = issueEvent(1, { summary: "forwarded, then lost" });
    const key = { "Idempotency-Key": "forwarded-then-lost" };
    const first = await post(receiving.url, project.api_key, "/v1/events", body, key);
    expect(first.status).toBe(201);
    expect(await forwarded(receiving, "forwarded")).toBe(1);

    proxy.cut("blackhole");
    const lost = await post(receiving.url, project.api_key, "/v1/events", body, {
      "Idempotency-Key": "forwarded-while-cut",
    });
    expect(lost.status).toBe(503);
    expect(lost.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(lost.headers.get("retry-after")).toBe("1");
    expect(JSON.parse(lost.text)).toMatchObject({ code: "unavailable", status: 503 });
    expect(await forwarded(receiving, "failed")).toBe(1);
    // Answered by the relay, under an id of its own in the header, the body and its log.
    const lostId = lost.headers.get("request-id");
    expect(lostId).toMatch(/^req_/);
    expect(JSON.parse(lost.text).request_id).toBe(lostId);
    const [hop] = await loggedRequests(receiving, (l) => l.request_id === lostId, 1, "relayed");
    expect(hop).toMatchObject({
      project_id: project.project_id,
      relayed_to: `http://127.0.0.1:${proxy.port}`,
      outcome: "failed",
      status: 503,
    });

    proxy.restore();
    const retried = await post(receiving.url, project.api_key, "/v1/events", body, {
      "Idempotency-Key": "forwarded-while-cut",
    });
    expect(retried.status).toBe(201);
    const replayed = await post(owning.url, project.api_key, "/v1/events", body, {
      "Idempotency-Key": "forwarded-while-cut",
    });
    expect(replayed.text).toBe(retried.text);
    const page = await sdkFor(owning.url, project.api_key).events.list({
      search: "forwarded, then lost",
    });
    expect(page.data).toHaveLength(2);
  }, 60_000);

  it("when the client leaves before the owner answers, then the relay logs the hop as aborted as the client leaves, not when the owner's answer would time out", async () => {
    proxy.cut("blackhole");
    try {
      const failedBefore = await forwarded(receiving, "failed");
      const left = await fetch(`${receiving.url}/v1/events`, {
        method: "POST",
        headers: { ...authHeaders(project.api_key), "Content-Type": "application/json" },
        body: JSON.stringify(issueEvent(1, { summary: "left before the answer" })),
        signal: AbortSignal.timeout(300),
      }).catch((caught: unknown) => caught);
      expect(left).toMatchObject({ name: "TimeoutError" });
      const [hop] = await loggedRequests(receiving, (l) => l.aborted === true, 1, "relayed");
      // Ended as the client left (300 ms), not when the owner's answer would have timed out (2 s).
      expect(hop?.latency_ms).toBeLessThan(1_500);
      expect(hop).toMatchObject({
        project_id: project.project_id,
        relayed_to: `http://127.0.0.1:${proxy.port}`,
        outcome: null,
        status: null,
        aborted: true,
      });
      expect(hop?.request_id).toMatch(/^req_/);
      expect(await forwarded(receiving, "failed")).toBe(failedBefore);
    } finally {
      proxy.restore();
    }
  }, 60_000);
});
