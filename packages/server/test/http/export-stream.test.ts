import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
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

  it("when the client stops reading, then production stalls; when it leaves, then the iterator is returned", async () => {
    let produced = 0;
    let returned = false;
    const rows = {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            produced++;
            yield { id: `evt_${produced}`, seq: produced, summary: "x".repeat(1000) };
          }
        } finally {
          returned = true;
        }
      },
    };
    const app = express();
    app.get("/export", async (_req, res) => {
      await streamExport(res, rows, "ndjson", "test");
    });
    server = createServer(app).listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;

    const req = request({ host: "127.0.0.1", port, path: "/export" });
    req.end();
    const [res] = (await once(req, "response")) as [import("node:http").IncomingMessage];
    res.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stalledAt = produced;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // ~1 KB rows: socket and stream buffers hold a few MB at most, never an unbounded amount.
    expect(produced).toBe(stalledAt);
    expect(produced).toBeLessThan(20_000);
    expect(returned).toBe(false);

    res.destroy();
    req.destroy();
    for (let i = 0; i < 50 && !returned; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(returned).toBe(true);
  });
});
