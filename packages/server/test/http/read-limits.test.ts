import {
  type Client,
  client,
  createTestDatabase,
  event,
  issueEvents,
  newProject,
  STORE_KINDS,
  startServer,
  type TestDatabase,
  type TestServer,
  testConfig,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGateOf } from "../../src/services/events/read-gate.js";
import { ingestEvents } from "../../src/services/index.js";
import type { Store } from "../../src/store/types.js";

type Answer = Awaited<ReturnType<Client>>;

function expectProblem(response: Answer, status: number, code: string) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.json.code).toBe(code);
}

/**
 * One project cannot take the reads of a server: its event reads take turns (a few at once
 * per process), and each read statement has a budget. Writes and other projects' reads go on.
 */
describe.each(STORE_KINDS)("per-project read turns over HTTP (%s)", (kind) => {
  let db: TestDatabase;
  let store: Store;
  let server: TestServer;
  let busy: Client;
  let quiet: Client;
  let busyProject: string;
  let busyKey: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind, { migrated: true });
    store = await db.open();
    const { abuse } = testConfig();
    server = await startServer(store, { abuse: { ...abuse, readsPerProject: 1, readWaitMs: 200 } });
    const a = await newProject(store, "Busy");
    const b = await newProject(store, "Quiet");
    busyProject = a.projectId;
    busyKey = a.key;
    busy = client(server.base, a.key);
    quiet = client(server.base, b.key);
    await ingestEvents(store, a.projectId, issueEvents(3));
    await ingestEvents(store, b.projectId, issueEvents(3));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await store?.close();
    await db?.drop();
  });

  it("when a project's turns are taken, then its reads are 429 too_many_reads after the wait, while its writes and another project's reads are served", async () => {
    let release: () => void = () => undefined;
    const held = readGateOf(store).run(
      busyProject,
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    try {
      const refused = await busy("GET", "/v1/events");
      expectProblem(refused, 429, "too_many_reads");
      expect(refused.headers.get("retry-after")).toBe("1");
      expectProblem(await busy("GET", "/v1/events/export?format=ndjson"), 429, "too_many_reads");
      expectProblem(await busy("GET", "/v1/workspaces/ws_acme/events"), 429, "too_many_reads");
      expect((await quiet("GET", "/v1/events")).status).toBe(200);
      expect((await busy("POST", "/v1/events", { body: event() })).status).toBe(201);
    } finally {
      release();
      await held;
    }
    const served = await busy("GET", "/v1/events");
    expect(served.status).toBe(200);
    expect(served.json.data).toHaveLength(4);
  });

  it("when a client leaves while its read waits for a turn, then the read leaves the queue", async () => {
    const gate = readGateOf(store);
    let release: () => void = () => undefined;
    const held = gate.run(busyProject, () => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const request = fetch(`${server.base}/v1/events`, {
      headers: { authorization: `Bearer ${busyKey}` },
      signal: controller.signal,
    }).catch(() => "aborted");
    for (let i = 0; i < 100 && gate.waiting(busyProject) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(gate.waiting(busyProject)).toBe(1);
    controller.abort();
    expect(await request).toBe("aborted");
    for (let i = 0; i < 100 && gate.waiting(busyProject) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(gate.waiting(busyProject)).toBe(0);
    release();
    await held;
  });
});

describe.skipIf(!process.env.DATABASE_URL)("the read budget over HTTP (PostgreSQL)", () => {
  let db: TestDatabase;
  let store: Store;
  let server: TestServer;
  let api: Client;

  beforeAll(async () => {
    db = await createTestDatabase("postgres", { migrated: true });
    // A budget no read of thousands of rows fits in.
    store = await db.open({ reads: { timeoutMs: 1 } });
    server = await startServer(store);
    const project = await newProject(store);
    api = client(server.base, project.key);
    await ingestEvents(store, project.projectId, issueEvents(5_000));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await store?.close();
    await db?.drop();
  });

  it("when a read runs over its budget, then 400 query_too_expensive without Retry-After (retrying would not help), and writes go on", async () => {
    const listed = await api("GET", "/v1/events?search=issue&include_total=true");
    expectProblem(listed, 400, "query_too_expensive");
    expect(listed.headers.get("retry-after")).toBeNull();
    expect(listed.json.detail).toContain("1 ms");
    const exported = await api("GET", "/v1/events/export?format=ndjson&search=issue");
    expectProblem(exported, 400, "query_too_expensive");
    expect((await api("POST", "/v1/events", { body: event() })).status).toBe(201);
  });
});

describe.skipIf(!process.env.DATABASE_URL)("a read whose client left (PostgreSQL)", () => {
  let db: TestDatabase;
  let store: Store;
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres", { migrated: true });
    store = await db.open();
    server = await startServer(store);
    const project = await newProject(store);
    key = project.key;
    await ingestEvents(store, project.projectId, issueEvents(3));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await store?.close();
    await db?.drop();
  });

  /** Reads of `events` by the server's backends now waiting for the table's lock. */
  async function waitingReads(): Promise<number> {
    const rows = await store.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND state = 'active' AND wait_event_type = 'Lock' AND query ILIKE '%from events%'`,
    );
    return rows[0]?.waiting ?? 0;
  }

  async function until(probe: () => Promise<boolean>, what: string, ms = 3_000) {
    const deadline = Date.now() + ms;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it.each([
    ["a list", "/v1/events?search=issue", {}],
    ["a workspace feed", "/v1/workspaces/ws_acme/events", {}],
    ["an export", "/v1/events/export?format=ndjson", {}],
    ["a live tail", "/v1/events/stream", { accept: "text/event-stream", "last-event-id": "0" }],
  ])(
    "when the client of %s leaves while its statement runs, then the statement is cancelled in the database",
    async (_what, path, headers: Record<string, string>) => {
      // The events table held by another session: the read's statement waits as long as the
      // lock is held (up to the 10 s read budget), as a slow statement would run.
      let unlock: () => void = () => undefined;
      const unlocked = new Promise<void>((resolve) => (unlock = resolve));
      let locked: () => void = () => undefined;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = store.transaction(async (tx) => {
        await tx.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
        locked();
        await unlocked;
      });
      try {
        await isLocked;
        const controller = new AbortController();
        const request = fetch(`${server.base}${path}`, {
          headers: { ...headers, authorization: `Bearer ${key}` },
          signal: controller.signal,
        }).then(
          () => "answered",
          () => "aborted",
        );
        await until(async () => (await waitingReads()) === 1, "the read to wait for the lock");
        controller.abort();
        // A live tail answers its headers before it reads: the abort closes its body.
        expect(await request).toBe(path.endsWith("/stream") ? "answered" : "aborted");
        await until(async () => (await waitingReads()) === 0, "the read to be cancelled");
      } finally {
        unlock();
        await holder;
      }
      const served = await fetch(`${server.base}/v1/events`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(served.status).toBe(200);
    },
  );
});
