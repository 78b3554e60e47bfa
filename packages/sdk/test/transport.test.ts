import { describe, expect, it } from "vitest";
import { ConnectionError, TimeoutError } from "../src/core/errors.js";
import { createTransport, defaultTransportOptions, type FetchLike } from "../src/core/transport.js";
import { json, networkDrop, problem, scriptedFetch } from "./support/fake-fetch.js";

const base = "https://api.test";

function transport(
  fetch: FetchLike,
  overrides: Partial<Parameters<typeof createTransport>[0]> = {},
) {
  return createTransport({
    ...defaultTransportOptions,
    backoff: { baseDelayMs: 40, maxDelayMs: 1000 },
    random: () => 0.5,
    fetch,
    ...overrides,
  });
}

const post = (path: string, body: unknown) =>
  new Request(`${base}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

describe("transport retries", () => {
  it("when 429 carries Retry-After in seconds, then it waits that long and retries", async () => {
    const fake = scriptedFetch(
      () => problem(429, "rate_limit_exceeded", { "Retry-After": "1" }),
      () => json({ ok: true }),
    );
    const response = await transport(fake.fetch)(new Request(`${base}/v1/events`));
    expect(response.status).toBe(200);
    expect(fake.calls).toHaveLength(2);
    const waited = (fake.calls[1]?.at ?? 0) - (fake.calls[0]?.at ?? 0);
    expect(waited).toBeGreaterThanOrEqual(990);
    expect(waited).toBeLessThan(1500);
  });

  it("when 429 carries Retry-After as an HTTP date, then it waits until that date", async () => {
    // HTTP dates have whole seconds: two seconds ahead is between one and two seconds away.
    const fake = scriptedFetch(
      () =>
        problem(429, "rate_limit_exceeded", {
          "Retry-After": new Date(Date.now() + 2000).toUTCString(),
        }),
      () => json({ ok: true }),
    );
    const response = await transport(fake.fetch)(new Request(`${base}/v1/events`));
    expect(response.status).toBe(200);
    const waited = (fake.calls[1]?.at ?? 0) - (fake.calls[0]?.at ?? 0);
    expect(waited).toBeGreaterThanOrEqual(990);
    expect(waited).toBeLessThan(2300);
  });

  it("when 503 then 200, then it backs off exponentially with jitter and succeeds", async () => {
    const fake = scriptedFetch(
      () => problem(503, "unavailable"),
      () => problem(503, "unavailable"),
      () => json({ ok: true }),
    );
    const response = await transport(fake.fetch)(new Request(`${base}/v1/events`));
    expect(response.status).toBe(200);
    expect(fake.calls).toHaveLength(3);
    const [first, second, third] = fake.calls.map((call) => call.at);
    // random() = 0.5 → 0.5 × 40 = 20 ms, then 0.5 × 80 = 40 ms.
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(19);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(39);
  });

  it("when the attempts run out, then the last error response is returned", async () => {
    const fake = scriptedFetch(() => problem(503, "unavailable"));
    const response = await transport(fake.fetch, { maxRetries: 2 })(
      new Request(`${base}/v1/events`),
    );
    expect(response.status).toBe(503);
    expect(fake.calls).toHaveLength(3);
  });

  it("when the connection drops, then a retried write carries the same Idempotency-Key", async () => {
    const fake = scriptedFetch(
      networkDrop,
      () => problem(503, "unavailable"),
      () => json({}, 201),
    );
    const response = await transport(fake.fetch)(post("/v1/events", { action: "a.b" }));
    expect(response.status).toBe(201);
    const keys = fake.calls.map((call) => call.request.headers.get("idempotency-key"));
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^sdk_[0-9a-f]{32}$/);
    expect(new Set(keys).size).toBe(1);
    expect(fake.calls.every((call) => call.body === '{"action":"a.b"}')).toBe(true);
  });

  it("when the caller gives an Idempotency-Key, then it is kept", async () => {
    const fake = scriptedFetch(() => json({}, 201));
    await transport(fake.fetch)(post("/v1/events/batch", { events: [] }), {
      idempotencyKey: "mine",
    });
    expect(fake.calls[0]?.request.headers.get("idempotency-key")).toBe("mine");
  });

  it("when a POST cannot be made idempotent, then only 429 is retried", async () => {
    const failing = scriptedFetch(
      () => problem(503, "unavailable"),
      () => json({}, 201),
    );
    const response = await transport(failing.fetch)(post("/v1/api-keys", { name: "k" }));
    expect(response.status).toBe(503);
    expect(failing.calls).toHaveLength(1);
    expect(failing.calls[0]?.request.headers.has("idempotency-key")).toBe(false);

    const dropped = scriptedFetch(networkDrop);
    await expect(transport(dropped.fetch)(post("/v1/api-keys", {}))).rejects.toBeInstanceOf(
      ConnectionError,
    );
    expect(dropped.calls).toHaveLength(1);

    const limited = scriptedFetch(
      () => problem(429, "rate_limit_exceeded", { "Retry-After": "0" }),
      () => json({}, 201),
    );
    expect((await transport(limited.fetch)(post("/v1/api-keys", {}))).status).toBe(201);
  });

  it("when the network keeps failing, then a ConnectionError is thrown after the retries", async () => {
    const fake = scriptedFetch(networkDrop);
    const failure = await transport(fake.fetch, { maxRetries: 3 })(
      new Request(`${base}/v1/health`),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as ConnectionError).cause).toBeInstanceOf(TypeError);
    expect(fake.calls).toHaveLength(4);
  });

  it("when Retry-After is beyond the total time cap, then it gives up at once", async () => {
    const fake = scriptedFetch(() => problem(429, "rate_limit_exceeded", { "Retry-After": "30" }));
    const started = performance.now();
    const response = await transport(fake.fetch, { maxRetryTimeMs: 5000 })(
      new Request(`${base}/v1/events`),
    );
    expect(response.status).toBe(429);
    expect(fake.calls).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("when no answer comes within timeoutMs, then it retries and ends in a TimeoutError", async () => {
    const hang = (request: Request) =>
      new Promise<Response>((_, reject) =>
        request.signal.addEventListener("abort", () => reject(request.signal.reason)),
      );
    const fake = scriptedFetch(hang);
    const started = performance.now();
    const failure = await transport(fake.fetch, { timeoutMs: 50, maxRetries: 1 })(
      new Request(`${base}/v1/events`),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect(fake.calls).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("when headers arrive but the body stalls, then the attempt still times out", async () => {
    const stalled = (request: Request) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"partial":'));
            request.signal.addEventListener("abort", () => controller.error(request.signal.reason));
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    const fake = scriptedFetch(stalled, () => json({ ok: true }));
    const response = await transport(fake.fetch, { timeoutMs: 50 })(
      new Request(`${base}/v1/project`),
    );
    expect(await response.json()).toEqual({ ok: true });
    expect(fake.calls).toHaveLength(2);
  });

  it("when the body stalls and no retry is left, then a TimeoutError is thrown", async () => {
    const stalled = (request: Request) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"data":['));
            request.signal.addEventListener("abort", () => controller.error(request.signal.reason));
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    const fake = scriptedFetch(stalled);
    const started = performance.now();
    const failure = await transport(fake.fetch, { timeoutMs: 50, maxRetries: 0 })(
      new Request(`${base}/v1/events`),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect(fake.calls).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("when the body has been read, then it can be had as text, JSON, bytes or a stream", async () => {
    const body = { name: "Zoë", n: [1, 2] };
    const send = transport(scriptedFetch(() => json(body)).fetch);
    const request = () => new Request(`${base}/v1/project`);
    const first = await send(request());
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toContain("json");
    expect(await first.text()).toBe(JSON.stringify(body));
    expect(await first.json()).toEqual(body);
    const bytes = await (await send(request())).arrayBuffer();
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual(body);
    const streamed = await new Response((await send(request())).body).json();
    expect(streamed).toEqual(body);
  });

  it("when the answer is a stream, then it is handed over unread", async () => {
    let pulled = 0;
    const fake = scriptedFetch(
      (request) =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              // Were the timeout still armed, it would fail the stream here.
              request.signal.addEventListener("abort", () =>
                controller.error(request.signal.reason),
              );
            },
            pull(controller) {
              pulled++;
              controller.enqueue(new TextEncoder().encode("{}\n"));
            },
          }),
          { headers: { "content-type": "application/x-ndjson" } },
        ),
    );
    const response = await transport(fake.fetch, { timeoutMs: 50 })(
      new Request(`${base}/v1/events/export?format=ndjson`),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulled).toBeLessThanOrEqual(2);
    const reader = response.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    await reader?.cancel();
  });

  it("when the caller aborts, then the abort reason is thrown and nothing is retried", async () => {
    const controller = new AbortController();
    const fake = scriptedFetch((request) => {
      const pending = new Promise<Response>((_, reject) =>
        request.signal.addEventListener("abort", () => reject(request.signal.reason)),
      );
      controller.abort(new Error("user gave up"));
      return pending;
    });
    const failure = await transport(fake.fetch)(new Request(`${base}/v1/events`), {
      signal: controller.signal,
    }).catch((error: unknown) => error);
    expect(failure).toEqual(new Error("user gave up"));
    expect(fake.calls).toHaveLength(1);
  });

  it("when the caller aborts during the backoff wait, then it stops waiting", async () => {
    const controller = new AbortController();
    const fake = scriptedFetch(() => {
      setTimeout(() => controller.abort(new Error("stop")), 20);
      return problem(429, "rate_limit_exceeded", { "Retry-After": "10" });
    });
    const started = performance.now();
    await expect(
      transport(fake.fetch)(new Request(`${base}/v1/events`), { signal: controller.signal }),
    ).rejects.toThrow("stop");
    expect(performance.now() - started).toBeLessThan(1000);
    expect(fake.calls).toHaveLength(1);
  });
});
