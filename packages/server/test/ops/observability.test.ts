import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { join } from "node:path";
import {
  attribute,
  CliProcess,
  cliEnv,
  createTestDatabase,
  issueEvents,
  OtlpReceiver,
  runCli,
  STORE_KINDS,
  type TestDatabase,
} from "@chronicle/test-kit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition, sampleValue } from "./exposition.js";

function storeEnv(db: TestDatabase): Record<string, string> {
  return db.databaseUrl
    ? { DATABASE_URL: db.databaseUrl }
    : { CHRONICLE_DATA_DIR: join(db.dataDir, "pglite") };
}

describe.each(STORE_KINDS)("a served process's logs, metrics and traces (%s)", (kind) => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  let server: CliProcess;
  let apiKey: string;
  let projectId: string;
  let base: string;
  let metricsUrl: string;
  let consoleUrl: string;
  /** The metrics endpoint's samples as of now. */
  const scrapeSamples = async () => parseExposition(await (await fetch(metricsUrl)).text()).samples;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const created = await runCli(
      ["project", "create", "--name", "Operations"],
      cliEnv(storeEnv(db)),
    );
    expect(created.code, created.stderr).toBe(0);
    ({ api_key: apiKey, project_id: projectId } = JSON.parse(created.stdout) as {
      api_key: string;
      project_id: string;
    });
    receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    server = new CliProcess(
      ["serve", "--port", "0", "--metrics-port", "0"],
      cliEnv({ ...storeEnv(db), OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, LOG_LEVEL: "info" }),
    );
    const listening = await server.waitFor(() =>
      server.jsonLines().find((line) => line.message === "listening"),
    );
    base = String(listening.url);
    metricsUrl = String(listening.metrics);
    consoleUrl = String(listening.console);
  }, 240_000);

  afterAll(async () => {
    const code = await server?.stop("SIGINT");
    await receiver?.stop();
    await db?.drop();
    expect(code).toBe(0);
  }, 60_000);

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        "Content-Type": "application/json",
        ...(init.headers as Record<string, string>),
      },
    });

  it("when an event is recorded under a traceparent, then it carries that trace id, the request is logged at info, counted, and its spans are exported", async () => {
    const traceId = randomBytes(16).toString("hex");
    const parentId = randomBytes(8).toString("hex");
    const created = await call("/v1/events", {
      method: "POST",
      headers: { traceparent: `00-${traceId}-${parentId}-01` },
      body: JSON.stringify({ action: "ops.checked", actor: { type: "system", id: "probe" } }),
    });
    expect(created.status).toBe(201);
    const event = (await created.json()) as { id: string; context: { trace_id: string } | null };
    expect(event.context?.trace_id).toBe(traceId);
    const requestId = created.headers.get("request-id");

    const own = await call("/v1/events", {
      method: "POST",
      headers: { traceparent: `00-${traceId}-${parentId}-01` },
      body: JSON.stringify({
        action: "ops.checked",
        actor: { type: "system", id: "probe" },
        context: { trace_id: "theirs-1" },
      }),
    });
    expect(((await own.json()) as { context: { trace_id: string } }).context.trace_id).toBe(
      "theirs-1",
    );

    // The request line: info, with who, what and how long; the key itself nowhere.
    const line = await server.waitFor(() =>
      server.jsonLines().find((l) => l.message === "request" && l.request_id === requestId),
    );
    expect(line).toMatchObject({
      level: "info",
      method: "POST",
      path: "/v1/events",
      operation_id: "createEvent",
      status: 201,
    });
    expect(line.project_id).toMatch(/^prj_/);
    expect(line.key_id).toMatch(/^key_/);
    expect(typeof line.latency_ms).toBe("number");
    expect(server.stdout).not.toContain(apiKey);

    // The spans: the server span is the caller's child; the database work is the server span's.
    const serverSpan = await server.waitFor(
      () => receiver.spans.find((s) => s.traceId === traceId && s.name === "POST createEvent"),
      30_000,
    );
    expect(serverSpan.parentSpanId).toBe(parentId);
    expect(attribute(serverSpan, "http.response.status_code")).toBe(201);
    const dbSpan = await server.waitFor(
      () =>
        receiver.spans.find(
          (s) => s.traceId === traceId && s.name.startsWith("db.") && s.parentSpanId !== parentId,
        ),
      30_000,
    );
    expect(dbSpan.traceId).toBe(traceId);
    expect(receiver.contentTypes[0]).toContain("application/json");
  });

  it("when an event is read twice with its ETag, then the second answer is 304 without a body", async () => {
    const created = await call("/v1/events", {
      method: "POST",
      body: JSON.stringify({ action: "ops.cached", actor: { type: "system", id: "probe" } }),
    });
    const { id, hash } = (await created.json()) as { id: string; hash: string };
    const first = await call(`/v1/events/${id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get("etag")).toBe(`"${hash}"`);
    expect(first.headers.get("cache-control")).toBe("private, max-age=86400, immutable");
    const second = await call(`/v1/events/${id}`, {
      headers: { "If-None-Match": first.headers.get("etag") as string },
    });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe("");
    const other = await call(`/v1/events/${id}`, { headers: { "If-None-Match": '"abc"' } });
    expect(other.status).toBe(200);
  });

  it("when the server starts, then its banner gives the console's address, where the console router answers", async () => {
    expect(consoleUrl).toBe(`${base}/console`);
    const response = await fetch(consoleUrl);
    // The console's page when it is built, else its "not built" page (503): HTML either way,
    // where a wrong address would be the API's 404 problem.
    expect(response.url).toBe(`${base}/console/`);
    expect([200, 503]).toContain(response.status);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<title>[^<]*Chronicle[^<]*<\/title>/i);
  });

  it("when /metrics is scraped, then it parses and counts operations, statuses, problems, ingest, groups and the pool", async () => {
    const refused = await call("/v1/events?limit=0");
    expect(refused.status).toBe(400);
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const { samples, types } = parseExposition(await response.text());
    expect(types.get("chronicle_http_requests_total")).toBe("counter");
    expect(types.get("chronicle_http_request_duration_seconds")).toBe("histogram");
    expect(
      sampleValue(samples, "chronicle_http_requests_total", {
        operation: "createEvent",
        method: "POST",
        status: "201",
      }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sampleValue(samples, "chronicle_http_requests_total", {
        operation: "getEvent",
        status: "304",
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, "chronicle_http_request_duration_seconds_count", {
        operation: "getEvent",
      }),
    ).toBeGreaterThanOrEqual(3);
    expect(sampleValue(samples, "chronicle_ingested_events_total")).toBeGreaterThanOrEqual(3);
    expect(sampleValue(samples, "chronicle_append_group_events_count")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, "chronicle_append_group_writes_sum")).toBeGreaterThanOrEqual(3);
    expect(sampleValue(samples, "chronicle_open_tails")).toBe(0);
    expect(sampleValue(samples, "chronicle_rate_limit_refusals_total")).toBe(0);
    expect(types.get("chronicle_http_problems_total")).toBe("counter");
    expect(
      sampleValue(samples, "chronicle_http_problems_total", {
        operation: "listEvents",
        code: "invalid_parameter",
      }),
    ).toBe(1);
    expect(sampleValue(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    if (kind === "postgres") {
      expect(
        sampleValue(samples, "chronicle_db_pool_connections", { state: "total" }),
      ).toBeGreaterThanOrEqual(1);
      expect(sampleValue(samples, "chronicle_db_pool_connections", { state: "waiting" })).toBe(0);
      expect(types.get("chronicle_db_read_pool_connections")).toBe("gauge");
      expect(sampleValue(samples, "chronicle_db_read_pool_connections", { state: "waiting" })).toBe(
        0,
      );
      // A batch's entries are merged into the search index beside the appends.
      expect(types.get("chronicle_search_index_merged_pages_total")).toBe("counter");
      const batch = await call("/v1/events/batch", {
        method: "POST",
        body: JSON.stringify({ events: issueEvents(100) }),
      });
      expect(batch.status).toBe(201);
      await expect
        .poll(
          async () =>
            sampleValue(await scrapeSamples(), "chronicle_search_index_merged_pages_total"),
          { timeout: 5_000 },
        )
        .toBeGreaterThan(0);
    }
    const other = await fetch(metricsUrl.replace("/metrics", "/v1/events"));
    expect(other.status).toBe(404);
  });

  it("when a live tail is open, then the open-tails gauge counts it, and not after it closes", async () => {
    const abort = new AbortController();
    const tail = await call("/v1/events/stream", {
      headers: { Accept: "text/event-stream", "Accept-Encoding": "gzip, br" },
      signal: abort.signal,
    });
    expect(tail.status).toBe(200);
    expect(tail.headers.get("content-encoding")).toBeNull();
    const scrape = async () => sampleValue(await scrapeSamples(), "chronicle_open_tails");
    expect(await scrape()).toBe(1);
    abort.abort();
    await tail.body?.cancel().catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while ((await scrape()) !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await scrape()).toBe(0);
  });

  // The append is held on the project's row by a second connection, which PGlite's one
  // connection cannot give, so the client leaves while the server is still working on it.
  it.skipIf(kind !== "postgres")(
    "when a client goes away before its answer, then it is counted as 499 and logged without a status, never as a 200",
    async () => {
      const count = async (status: string) =>
        sampleValue(await scrapeSamples(), "chronicle_http_requests_total", {
          operation: "createEvent",
          status,
        }) ?? 0;
      const [leftBefore, okBefore] = [await count("499"), await count("200")];
      const holder = new pg.Client({ connectionString: db.databaseUrl });
      await holder.connect();
      try {
        await holder.query("BEGIN");
        await holder.query("SELECT 1 FROM projects WHERE project_id = $1 FOR UPDATE", [projectId]);
        const body = JSON.stringify({
          action: "client.left",
          actor: { type: "user", id: "usr_1" },
        });
        const { hostname, host, port } = new URL(base);
        const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ""));
        await new Promise<void>((resolve) => socket.once("connect", resolve));
        socket.write(
          `POST /v1/events HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${apiKey}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        // Gone once the append waits for the row.
        const waiting = Date.now() + 10_000;
        while (Date.now() < waiting) {
          const { rows } = await holder.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          );
          if (rows.length > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        socket.destroy();
        await expect.poll(() => count("499"), { timeout: 10_000 }).toBe(leftBefore + 1);
      } finally {
        await holder.query("ROLLBACK").catch(() => undefined);
        await holder.end();
      }
      expect(await count("499")).toBe(leftBefore + 1);
      expect(await count("200")).toBe(okBefore);
      const line = await server.waitFor(() =>
        server
          .jsonLines()
          .find(
            (entry) =>
              entry.message === "request" && entry.operation_id === "createEvent" && entry.aborted,
          ),
      );
      expect(line.status).toBeNull();
    },
  );
});
