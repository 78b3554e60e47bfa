import { describe, expect, it } from "vitest";
import {
  API_VERSION,
  Chronicle,
  type ChronicleOptions,
  ConnectionError,
  InvalidCursorError,
  NotFoundError,
  RateLimitError,
} from "../src/index.js";
import { fakeApi } from "./support/fake-api.js";
import { json, networkDrop, problem, scriptedFetch } from "./support/fake-fetch.js";

const actor = { type: "user" as const, id: "usr_1" };

function client(fetch: ChronicleOptions["fetch"], options: Partial<ChronicleOptions> = {}) {
  return new Chronicle({
    apiKey: "chr_test",
    baseUrl: "https://api.test/",
    fetch,
    backoff: { baseDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
}

describe("Chronicle client", () => {
  it("sends the bearer key, the API version and JSON bodies", async () => {
    const api = fakeApi();
    const event = await client(api.fetch).events.create({ action: "issue.created", actor });
    expect(event).toMatchObject({ seq: 1, action: "issue.created", actor: { id: "usr_1" } });
    const [request] = api.requests;
    expect(request?.url).toBe("https://api.test/v1/events");
    expect(request?.headers.get("authorization")).toBe("Bearer chr_test");
    expect(request?.headers.get("chronicle-version")).toBe(API_VERSION);
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(request?.headers.get("idempotency-key")).toMatch(/^sdk_/);
  });

  it("when a write is retried after a dropped answer, then the server stores it once", async () => {
    let calls = 0;
    const api = fakeApi();
    const flaky = async (request: Request) => {
      calls++;
      const response = await api.fetch(request);
      // The first answer is lost after the server committed.
      if (calls === 1) throw new TypeError("socket hang up");
      return response;
    };
    const event = await client(flaky).events.create({ action: "issue.created", actor });
    expect(calls).toBe(2);
    expect(api.events).toHaveLength(1);
    expect(event.id).toBe(api.events[0]?.id);
    const keys = api.requests.map((request) => request.headers.get("idempotency-key"));
    expect(keys[0]).toBe(keys[1]);
  });

  it("when the server answers with a problem, then the matching error carries its details", async () => {
    const api = fakeApi();
    const failure = await client(api.fetch)
      .events.get("evt_missing")
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NotFoundError);
    expect(failure).toMatchObject({ status: 404, code: "not_found", requestId: "req_test" });
  });

  it("when rate limited past the retries, then a RateLimitError is thrown", async () => {
    const fake = scriptedFetch(() => problem(429, "rate_limit_exceeded", { "Retry-After": "0" }));
    const failure = await client(fake.fetch, { maxRetries: 1 })
      .project.get()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RateLimitError);
    expect(fake.calls).toHaveLength(2);
  });

  it("when the network is down, then a ConnectionError is thrown after the retries", async () => {
    const fake = scriptedFetch(networkDrop);
    await expect(client(fake.fetch, { maxRetries: 2 }).health.get()).rejects.toBeInstanceOf(
      ConnectionError,
    );
    expect(fake.calls).toHaveLength(3);
  });

  it("when a call gives a signal, timeout or retries, then they apply to it alone", async () => {
    const fake = scriptedFetch(() => problem(503, "unavailable"));
    await expect(client(fake.fetch).health.get({ maxRetries: 0 })).rejects.toMatchObject({
      status: 503,
    });
    expect(fake.calls).toHaveLength(1);
    const controller = new AbortController();
    controller.abort(new Error("not now"));
    await expect(client(fake.fetch).health.get({ signal: controller.signal })).rejects.toThrow(
      "not now",
    );
    expect(fake.calls).toHaveLength(1);
  });

  it("lists across pages through the cursor, both ways", async () => {
    const api = fakeApi();
    const chronicle = client(api.fetch);
    await chronicle.events.batch({
      events: Array.from({ length: 7 }, (_, n) => ({
        action: n % 2 ? "issue.closed" : "issue.created",
        actor,
      })),
    });
    const descending = await chronicle.events.list({ limit: 2 }).toArray({ max: 100 });
    expect(descending.map((event) => event.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);

    const ascending = chronicle.events.list({ order: "asc", limit: 3, action: ["issue.created"] });
    const pages: number[][] = [];
    for await (const page of ascending.pages()) pages.push(page.data.map((event) => event.seq));
    expect(pages).toEqual([[1, 3, 5], [7]]);

    const page = await chronicle.events.list({ order: "asc", limit: 2 });
    const third = await chronicle.events
      .list({ order: "asc", limit: 2, cursor: page.next_cursor ?? "" })
      .then((second) =>
        chronicle.events.list({ order: "asc", limit: 2, cursor: second.next_cursor ?? "" }),
      );
    expect(third.data.map((event) => event.seq)).toEqual([5, 6]);
    const back = await chronicle.events
      .list({ order: "asc", limit: 2, cursor: page.next_cursor ?? "" })
      .backward()
      .toArray({ max: 100 });
    expect(back.map((event) => event.seq)).toEqual([4, 3, 2, 1]);
    const cursors = api.requests.map((request) => new URL(request.url).searchParams.get("cursor"));
    expect(cursors.filter(Boolean).length).toBeGreaterThan(3);
  });

  it("when a cursor is refused, then InvalidCursorError is thrown", async () => {
    const fake = scriptedFetch(() => problem(400, "invalid_cursor"));
    await expect(client(fake.fetch).events.list({ cursor: "bad" })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it("exports NDJSON as typed events that verify offline", async () => {
    const api = fakeApi();
    const chronicle = client(api.fetch);
    for (let n = 0; n < 5; n++) await chronicle.events.create({ action: "doc.viewed", actor });
    const seqs: number[] = [];
    for await (const event of chronicle.events.export({ format: "ndjson" })) seqs.push(event.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(
      await chronicle.integrity.verifyChain(chronicle.events.export({ format: "ndjson" })),
    ).toEqual({ valid: true, checked: 5, first_invalid_seq: null, reason: null });
    const url = new URL(api.requests.at(-1)?.url ?? "");
    expect(url.pathname).toBe("/v1/events/export");
    expect(url.searchParams.get("format")).toBe("ndjson");
  });

  it("exports CSV as records or arrays", async () => {
    const csv = 'id,summary\nevt_1,"a, ""b"""\nevt_2,"two\nlines"\n';
    const fake = scriptedFetch(
      () => new Response(csv),
      () => new Response(csv),
    );
    const chronicle = client(fake.fetch);
    const records: Record<string, string>[] = [];
    for await (const row of chronicle.events.export({ format: "csv" })) records.push(row);
    expect(records).toEqual([
      { id: "evt_1", summary: 'a, "b"' },
      { id: "evt_2", summary: "two\nlines" },
    ]);
    const arrays: string[][] = [];
    for await (const row of chronicle.events.export({ format: "csv" }, { rows: "arrays" })) {
      arrays.push(row);
    }
    expect(arrays[0]).toEqual(["id", "summary"]);
    expect(arrays).toHaveLength(3);
  });

  it("tails over SSE, reconnecting with Last-Event-ID and never repeating an event", async () => {
    const frame = (seq: number) =>
      `id: ${seq}\nevent: event\ndata: ${JSON.stringify({ seq, action: "a.b" })}\n\n`;
    let sent = false;
    const drop = (text: string) => {
      sent = false;
      return new Response(
        new ReadableStream({
          pull(controller) {
            // Enqueue, then fail on the next read (an error discards queued chunks).
            if (sent) controller.error(new TypeError("terminated"));
            else controller.enqueue(new TextEncoder().encode(text));
            sent = true;
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    };
    const fake = scriptedFetch(
      () => drop(`retry: 5\n\n${frame(1)}${frame(2)}`),
      () => problem(503, "unavailable"),
      () => drop(`${frame(2)}${frame(3)}`),
      () => drop(frame(4)),
    );
    const seen: number[] = [];
    for await (const event of client(fake.fetch).events.tail({ workspace_id: "ws_1" })) {
      seen.push(event.seq);
      if (event.seq === 4) break;
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    const lastIds = fake.calls.map((call) => call.request.headers.get("last-event-id"));
    expect(lastIds).toEqual([null, "2", "2", "3"]);
    expect(new URL(fake.calls[0]?.request.url ?? "").searchParams.get("workspace_id")).toBe("ws_1");
    expect(fake.calls[0]?.request.headers.get("accept")).toBe("text/event-stream");
  });

  it("logger: a server failing half the batches loses nothing and stores nothing twice", async () => {
    // Odd batch calls fail: half before committing (503), half after (the answer is lost).
    let batchCalls = 0;
    const api = fakeApi();
    const flaky = async (request: Request) => {
      if (!request.url.endsWith("/v1/events/batch")) return api.fetch(request);
      batchCalls++;
      if (batchCalls % 4 === 1) return problem(503, "unavailable");
      const response = await api.fetch(request);
      if (batchCalls % 4 === 3) throw new TypeError("connection reset");
      return response;
    };
    const logger = client(flaky, { maxRetries: 3 }).events.logger({
      maxBatch: 10,
      flushIntervalMs: 5,
    });
    for (let n = 0; n < 200; n++) {
      await logger.log({ action: "page.viewed", actor: { type: "user", id: `usr_${n}` } });
    }
    await logger.close();
    expect(api.events.map((event) => event.actor.id)).toEqual(
      Array.from({ length: 200 }, (_, n) => `usr_${n}`),
    );
    expect(batchCalls).toBeGreaterThanOrEqual(40);
  });

  it("raw is the typed openapi-fetch client with the same authentication", async () => {
    const fake = scriptedFetch(() =>
      json({ status: "ok", version: "1", api_versions: [], time: "" }),
    );
    const { data, response } = await client(fake.fetch).raw.GET("/v1/health");
    expect(response.status).toBe(200);
    expect(data?.status).toBe("ok");
    expect(fake.calls[0]?.request.headers.get("authorization")).toBe("Bearer chr_test");
  });

  it("requires an API key and a base URL", () => {
    expect(() => new Chronicle({ apiKey: "", baseUrl: "http://x" })).toThrow(TypeError);
    expect(() => new Chronicle({ apiKey: "k", baseUrl: "" })).toThrow(TypeError);
  });
});
