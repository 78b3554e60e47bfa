import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getter, timeEach } from "../lib/timing.js";

describe("timed GETs", () => {
  let server: Server;
  let base: string;
  const seenHeaders: (string | undefined)[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seenHeaders.push(request.headers.authorization);
      if (request.url === "/slow") {
        setTimeout(() => response.end("x".repeat(100_000)), 60);
      } else {
        response.statusCode = 404;
        response.end('{"code":"not_found"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("when a getter's GET answers, then it resolves to the time the request and its whole body took, sent with the headers given", async () => {
    const slow = getter(`${base}/slow`, { authorization: "Bearer k" });
    const times = await timeEach(slow, 3);
    expect(times).toHaveLength(3);
    for (const ms of times) {
      expect(ms).toBeGreaterThanOrEqual(55);
      expect(ms).toBeLessThan(5_000);
    }
    expect(seenHeaders.at(-1)).toBe("Bearer k");
  });

  it("when a getter's GET answers outside 2xx, then it fails with the status and the body's start", async () => {
    await expect(getter(`${base}/missing`, {})()).rejects.toThrow(
      /GET .*\/missing → 404: \{"code":"not_found"\}/,
    );
  });

  it("when a getter cannot connect, then it fails rather than hangs", async () => {
    await expect(getter("http://127.0.0.1:9/", {})()).rejects.toThrow(/fetch failed/);
  });

  it("when a call reports its own time, then timeEach takes it; any other call is timed around it", async () => {
    let reported = 0;
    expect(await timeEach(async () => ++reported * 1000, 3, 1)).toEqual([2000, 3000, 4000]);
    const around = await timeEach(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return "not a time";
    }, 2);
    for (const ms of around) {
      expect(ms).toBeGreaterThanOrEqual(15);
      expect(ms).toBeLessThan(1000);
    }
  });
});
