import type { LookupAddress } from "node:dns";
import {
  client,
  createTestDatabase,
  newProject,
  Receiver,
  startServer,
  type TestDatabase,
  type TestServer,
  testStreamsConfig,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isForbiddenAddress } from "../../src/services/streams/address-guard.js";
import {
  createStream,
  createStreamsContext,
  testStream,
} from "../../src/services/streams/index.js";
import { migrate, type Store } from "../../src/store/index.js";

describe("log stream destinations: SSRF guard", { timeout: 60_000 }, () => {
  let db: TestDatabase;
  let store: Store;
  let server: TestServer;
  const strict = testStreamsConfig({ allowPrivateNetworks: false, timeoutMs: 2000 });

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    store = await db.open();
    await migrate(store);
    server = await startServer(store, { streams: strict });
  }, 180_000);
  afterAll(async () => {
    await server.close();
    await store.close();
    await db.drop();
  }, 180_000);

  it("classifies addresses: only public unicast passes", () => {
    for (const address of [
      "127.0.0.1",
      "127.8.9.10",
      "0.0.0.0",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.100.100.200",
      "::1",
      "::",
      "fe80::1",
      "fd00:ec2::254",
      "::ffff:127.0.0.1",
      "::ffff:169.254.169.254",
      "224.0.0.1",
      "255.255.255.255",
      "not an address",
    ]) {
      expect(isForbiddenAddress(address), address).toBe(true);
    }
    for (const address of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]) {
      expect(isForbiddenAddress(address), address).toBe(false);
    }
  });

  it("when a destination URL points at loopback, metadata, private ranges or is not https, then creating the stream is 422 destination_not_allowed", async () => {
    const { key } = await newProject(store);
    const api = client(server.base, key);
    for (const url of [
      "https://127.0.0.1/hook",
      "https://169.254.169.254/latest/meta-data/",
      "https://10.0.0.8/hook",
      "https://192.168.0.10/hook",
      "https://[::1]/hook",
      "https://[::ffff:7f00:1]/hook",
      "https://localhost/hook",
      "http://93.184.216.34/hook",
      "https://user:pass@93.184.216.34/hook",
    ]) {
      const answer = await api("POST", "/v1/streams", {
        body: { name: "x", destination: { type: "webhook", url } },
      });
      expect(answer.status, url).toBe(422);
      expect(answer.json.code).toBe("validation_failed");
      expect(answer.json.errors[0]).toMatchObject({ pointer: "/destination/url" });
    }
    const hec = await api("POST", "/v1/streams", {
      body: {
        name: "x",
        destination: { type: "splunk_hec", url: "https://10.1.1.1:8088", token: "t" },
      },
    });
    expect(hec.status).toBe(422);
    const dd = await api("POST", "/v1/streams", {
      body: {
        name: "x",
        destination: { type: "datadog", api_key: "k", url: "https://169.254.169.254/" },
      },
    });
    expect(dd.status).toBe(422);
  });

  it("when a DNS name resolves to a private or metadata address, at creation or only later at connect time (rebinding), then it is refused", async () => {
    const { projectId } = await newProject(store);
    const answers: Record<string, string[]> = {
      "metadata.example.test": ["169.254.169.254"],
      "intranet.example.test": ["93.184.216.34", "10.0.0.5"],
      "rebind.example.test": ["93.184.216.34"],
    };
    const resolveAll = async (host: string): Promise<LookupAddress[]> =>
      (answers[host] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    const context = createStreamsContext(store, strict, resolveAll);
    for (const host of ["metadata.example.test", "intranet.example.test"]) {
      await expect(
        createStream(context, projectId, {
          name: "x",
          destination: { type: "webhook", url: `https://${host}/hook` },
        }),
      ).rejects.toMatchObject({ code: "validation_failed" });
    }
    const stream = await createStream(context, projectId, {
      name: "rebinding",
      destination: { type: "webhook", url: "https://rebind.example.test/hook" },
    });
    answers["rebind.example.test"] = ["127.0.0.1"];
    const attempt = await testStream(context, projectId, stream.id);
    expect(attempt.outcome).toBe("failed");
    expect(attempt.status_code).toBeNull();
    expect(attempt.error).toContain("not a public address");
  });

  it("when the resolver does not answer, then creating the stream still answers, and the name is checked again at every delivery", async () => {
    const { projectId } = await newProject(store);
    let silent = true;
    const resolveAll = (): Promise<LookupAddress[]> =>
      silent
        ? new Promise<LookupAddress[]>(() => {})
        : Promise.resolve([{ address: "169.254.169.254", family: 4 }]);
    const context = createStreamsContext(store, strict, resolveAll);
    const stream = await createStream(context, projectId, {
      name: "silent",
      destination: { type: "webhook", url: "https://silent.example.test/hook" },
    });
    expect(stream.status).toBe("active");
    silent = false;
    // The name now answers with the metadata address: refused before connecting.
    const attempt = await testStream(context, projectId, stream.id);
    expect(attempt.outcome).toBe("failed");
    expect(attempt.error).toContain("not a public address");
  });

  it("when a destination redirects to the metadata address, then the redirect is not followed and the attempt fails", async () => {
    const target = await new Receiver(() => ({ status: 200 })).start();
    const redirecting = await new Receiver(() => ({
      status: 307,
      headers: { location: `${target.url}/latest/meta-data/` },
    })).start();
    try {
      const { projectId } = await newProject(store);
      const context = createStreamsContext(store, { ...strict, allowPrivateNetworks: true });
      const stream = await createStream(context, projectId, {
        name: "redirecting",
        destination: { type: "webhook", url: redirecting.url },
      });
      const attempt = await testStream(context, projectId, stream.id);
      expect(attempt.outcome).toBe("failed");
      expect(attempt.status_code).toBe(307);
      expect(attempt.error).toContain("redirect not followed");
      expect(redirecting.requests).toHaveLength(1);
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });

  it("when a destination answers with a huge body slowly, then the attempt times out and reads at most a small cap", async () => {
    const slow = await new Receiver(() => ({ status: 500, body: "x".repeat(1_000_000) })).start();
    try {
      const { projectId } = await newProject(store);
      const context = createStreamsContext(store, { ...strict, allowPrivateNetworks: true });
      const stream = await createStream(context, projectId, {
        name: "noisy",
        destination: { type: "webhook", url: slow.url },
      });
      const attempt = await testStream(context, projectId, stream.id);
      expect(attempt.outcome).toBe("failed");
      expect((attempt.error ?? "").length).toBeLessThanOrEqual(520);
    } finally {
      await slow.close();
    }
  });

  it("when no key is configured, then creating a stream is 503 and never stores credentials in the clear", async () => {
    const { projectId } = await newProject(store);
    const context = createStreamsContext(store, { ...strict, key: undefined });
    await expect(
      createStream(context, projectId, {
        name: "x",
        destination: { type: "splunk_hec", url: "https://93.184.216.34", token: "secret-token" },
      }),
    ).rejects.toMatchObject({ code: "unavailable" });
    const keyed = createStreamsContext(store, strict);
    await createStream(keyed, projectId, {
      name: "x",
      destination: { type: "splunk_hec", url: "https://93.184.216.34", token: "secret-token" },
    });
    const rows = await store.query<{ credentials: string }>(
      "SELECT credentials FROM streams WHERE project_id = $1",
      [projectId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.credentials).not.toContain("secret-token");
    expect(rows[0]?.credentials).toMatch(/^v1\./);
  });
});
