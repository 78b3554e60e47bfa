// The SDK against the real server when a project's reads are limited: a read over its budget
// is a ValidationError sent once (retrying would run over again); a read refused its turn
// is retried after Retry-After and then served.

import {
  createTestDatabase,
  issueEvents,
  newProject,
  readGateOf,
  STORE_KINDS,
  type Store,
  startServer,
  type TestDatabase,
  type TestServer,
  testConfig,
} from "@chronicle/test-kit";
import { afterEach, describe, expect, it } from "vitest";
import { Chronicle, type FetchLike, ValidationError } from "../src/index.js";

let db: TestDatabase | undefined;
let store: Store | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  await store?.close();
  await db?.drop();
  server = store = db = undefined;
});

/** A fetch that counts the requests it sends. */
function countingFetch() {
  const sent: string[] = [];
  const fetcher: FetchLike = (request) => {
    sent.push(request.url);
    return fetch(request);
  };
  return { sent, fetcher };
}

describe.skipIf(!process.env.DATABASE_URL)("a read over its budget, through the SDK", () => {
  it("when a list runs over the server's read budget, then ValidationError query_too_expensive after one request", async () => {
    db = await createTestDatabase("postgres", { migrated: true });
    store = await db.open({ reads: { timeoutMs: 1 } });
    server = await startServer(store);
    const { key } = await newProject(store);
    const { sent, fetcher } = countingFetch();
    const chronicle = new Chronicle({ apiKey: key, baseUrl: server.base, fetch: fetcher });
    await chronicle.events.batch({ events: issueEvents(1000) });
    await chronicle.events.batch({ events: issueEvents(1000) });
    sent.length = 0;
    const error = await Promise.resolve(
      chronicle.events.list({ search: "issue", include_total: true }),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 400, code: "query_too_expensive" });
    expect(sent).toHaveLength(1);
  });
});

describe.each(STORE_KINDS)("a read refused its turn, through the SDK (%s)", (kind) => {
  it("when the project's turns are taken for a moment, then the SDK waits Retry-After and gets the page", async () => {
    db = await createTestDatabase(kind, { migrated: true });
    store = await db.open();
    const { abuse } = testConfig();
    server = await startServer(store, {
      abuse: { ...abuse, readsPerProject: 1, readWaitMs: 100 },
    });
    const { key, projectId } = await newProject(store);
    const { sent, fetcher } = countingFetch();
    const chronicle = new Chronicle({ apiKey: key, baseUrl: server.base, fetch: fetcher });
    await chronicle.events.batch({ events: issueEvents(3) });
    sent.length = 0;
    let release: () => void = () => undefined;
    const held = readGateOf(store).run(
      projectId,
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    setTimeout(() => release(), 300);
    const page = await chronicle.events.list({ limit: 10 });
    await held;
    expect(page.data).toHaveLength(3);
    expect(sent.length).toBeGreaterThanOrEqual(2);
  });
});
