import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Receiver } from "@chronicle/test-kit";
import { describe, expect, it } from "vitest";
import { systemLookupAll } from "../../src/services/streams/address-guard.js";
import { createAgents, postOnce } from "../../src/services/streams/http-post.js";

describe("one delivery POST", () => {
  const options = {
    timeoutMs: 500,
    allowPrivateNetworks: false,
    resolveAll: systemLookupAll,
    agents: createAgents(),
  };

  it("when the URL is invalid or names a forbidden address, then the attempt fails with the reason instead of rejecting", async () => {
    await expect(postOnce("not a url", {}, "{}", options)).resolves.toMatchObject({
      ok: false,
      status: null,
      error: "invalid destination URL",
    });
    const metadata = await postOnce("http://169.254.169.254/latest", {}, "{}", options);
    expect(metadata).toMatchObject({ ok: false, status: null });
    expect(metadata.error).toContain("169.254.169.254");
  });

  it("when a header value is one Node refuses, then the attempt fails with the reason instead of throwing", async () => {
    const local = { ...options, allowPrivateNetworks: true };
    const result = await postOnce(
      "http://127.0.0.1:9/",
      { "dd-api-key": "abc\r\nX-Injected: 1" },
      "{}",
      local,
    );
    expect(result).toMatchObject({ ok: false, status: null });
    expect(result.error).toMatch(/^request not sent: /);
  });

  it("when the receiver answers an error with a NUL in its body, then the reason holds U+FFFD instead", async () => {
    const receiver = createServer((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("a\u0000b");
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      const result = await postOnce(`http://127.0.0.1:${port}/`, {}, "{}", {
        ...options,
        allowPrivateNetworks: true,
      });
      expect(result).toMatchObject({ ok: false, status: 500, error: "HTTP 500: a\ufffdb" });
    } finally {
      receiver.close();
    }
  });

  it("when a connection has been idle nearly as long as the receiver keeps one, then the next delivery goes on a new connection", async () => {
    // The receiver keeps an idle connection 2 s and says so (`Keep-Alive: timeout=2`).
    const receiver = await new Receiver(() => ({ status: 204 })).start({ keepAliveMs: 2_000 });
    const local = { ...options, timeoutMs: 5_000, allowPrivateNetworks: true };
    try {
      for (const pause of [0, 0, 1_500]) {
        await new Promise((resolve) => setTimeout(resolve, pause));
        expect(await postOnce(receiver.url, {}, "{}", local)).toMatchObject({ ok: true });
      }
      const [first, second, third] = receiver.requests.map((request) => request.senderPort);
      expect(second).toBe(first);
      expect(third).not.toBe(second);
    } finally {
      await receiver.close();
    }
  });
});
