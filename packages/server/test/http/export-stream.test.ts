import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import { compressResponses } from "../../src/http/middleware/compression.js";
import { streamExport } from "../../src/http/streaming/export-stream.js";

/**
 * Backpressure and release, over a real socket: a client that stops reading must stop
 * the rows being produced, and a client that leaves must end the iteration.
 */
describe("streamExport", () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Rows of ~1 KB, counted as produced; `returned` once the iteration is ended. */
  function countedRows(summary: () => string) {
    const state = { produced: 0, returned: false };
    const rows = {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            state.produced++;
            yield { id: `evt_${state.produced}`, seq: state.produced, summary: summary() };
          }
        } finally {
          state.returned = true;
        }
      },
    };
    return { state, rows };
  }

  /** Serves `rows` as an export, opens it with `headers` and stops reading at once. */
  async function pausedExport(
    rows: AsyncIterable<object>,
    headers: Record<string, string>,
    compress: boolean,
  ) {
    const app = express();
    if (compress) app.use(compressResponses());
    app.get("/export", async (_req, res) => {
      await streamExport(res, rows, "ndjson", "test");
    });
    server = createServer(app).listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const req = request({ host: "127.0.0.1", port, path: "/export", headers });
    req.end();
    const [res] = (await once(req, "response")) as [import("node:http").IncomingMessage];
    res.pause();
    return { req, res };
  }

  async function expectStalledThenReturned(
    state: { produced: number; returned: boolean },
    opened: { req: import("node:http").ClientRequest; res: import("node:http").IncomingMessage },
    waitForCompressor = false,
  ) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The compressor works through what it holds on the threadpool: on a busy machine that
    // can take a while, so wait (up to 10 s) for production to stop, then check it stays put.
    for (let i = 0; i < 40 && waitForCompressor; i++) {
      const before = state.produced;
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (state.produced === before) break;
    }
    const stalledAt = state.produced;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // ~1 KB rows: socket, compressor and stream buffers hold a few MB at most, never an
    // unbounded amount.
    expect(state.produced).toBe(stalledAt);
    expect(state.produced).toBeLessThan(20_000);
    expect(state.returned).toBe(false);

    opened.res.destroy();
    opened.req.destroy();
    for (let i = 0; i < 50 && !state.returned; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(state.returned).toBe(true);
  }

  it("when the client stops reading, then production stalls; when it leaves, then the iterator is returned", async () => {
    const { state, rows } = countedRows(() => "x".repeat(1000));
    const opened = await pausedExport(rows, {}, false);
    await expectStalledThenReturned(state, opened);
  });

  it("when a gzip client stops reading, then production stalls within the compressor's bound too", async () => {
    // Random hex compresses about 2:1, so the compressed bytes fill the socket.
    const { state, rows } = countedRows(() => randomBytes(500).toString("hex"));
    const opened = await pausedExport(rows, { "accept-encoding": "gzip" }, true);
    expect(opened.res.headers["content-encoding"]).toBe("gzip");
    await expectStalledThenReturned(state, opened, true);
  });

  it.each([
    [
      "a refused read (the database went away)",
      new ServiceError("unavailable", "gone"),
      "unavailable",
    ],
    ["a read that failed on a bug", new Error("boom"), "internal_error"],
  ])(
    "when %s fails after the first rows, then the export ends with the problem as its last line",
    async (_, thrown, code) => {
      const errors: unknown[] = [];
      const rows = {
        async *[Symbol.asyncIterator]() {
          yield { id: "evt_1", seq: 1 };
          yield { id: "evt_2", seq: 2 };
          throw thrown;
        },
      };
      const app = express();
      app.get("/export", async (_req, res) => {
        await streamExport(res, rows, "ndjson", "test", {
          requestId: "req_1",
          onError: (error) => errors.push(error),
        });
      });
      server = createServer(app).listen(0, "127.0.0.1");
      await once(server, "listening");
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/export`);
      expect(response.status).toBe(200);
      const lines = (await response.text())
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.seq)).toEqual([1, 2, undefined]);
      expect(lines[2]).toMatchObject({ code, request_id: "req_1" });
      expect(errors).toEqual([thrown]);
    },
  );
});
