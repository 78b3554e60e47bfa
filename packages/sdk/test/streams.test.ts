import { randomBytes } from "node:crypto";
import {
  createStreamsContext,
  loadConfig,
  newProject,
  Receiver,
  StreamWorker,
  setUp,
  type TestContext,
  waitFor,
} from "@chronicle/test-kit";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Chronicle,
  ValidationError,
  verifyWebhook,
  WebhookVerificationError,
} from "../src/index.js";

const secret = `whsec_${randomBytes(32).toString("base64")}`;

function signed(body: string, id = "msg_1", at = new Date()) {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

describe("verifyWebhook: Standard Webhooks signatures", () => {
  const body = JSON.stringify({ type: "chronicle.events", timestamp: "", data: { events: [1] } });

  it("accepts what the standardwebhooks library signs, from a Headers object or a plain record", async () => {
    const headers = signed(body);
    expect((await verifyWebhook(body, headers, secret)).data.events).toEqual([1]);
    expect(
      await verifyWebhook(new TextEncoder().encode(body), new Headers(headers), secret),
    ).toEqual(JSON.parse(body));
  });

  it("accepts any one of several signatures (a rotation), and only v1", async () => {
    const other = `whsec_${randomBytes(32).toString("base64")}`;
    const headers = signed(body);
    const withOld = {
      ...headers,
      "webhook-signature": `${new Webhook(other).sign("msg_1", new Date(), body)} ${headers["webhook-signature"]}`,
    };
    await expect(verifyWebhook(body, withOld, secret)).resolves.toBeTruthy();
    const v2 = {
      ...headers,
      "webhook-signature": headers["webhook-signature"].replace("v1,", "v2,"),
    };
    await expect(verifyWebhook(body, v2, secret)).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  it("rejects a changed body, id or secret, an old or future timestamp, and missing headers", async () => {
    const headers = signed(body);
    await expect(verifyWebhook(`${body} `, headers, secret)).rejects.toThrow(
      WebhookVerificationError,
    );
    await expect(
      verifyWebhook(body, { ...headers, "webhook-id": "msg_2" }, secret),
    ).rejects.toThrow("No matching signature");
    const stranger = `whsec_${randomBytes(32).toString("base64")}`;
    await expect(verifyWebhook(body, headers, stranger)).rejects.toThrow(WebhookVerificationError);
    const old = signed(body, "msg_1", new Date(Date.now() - 10 * 60 * 1000));
    await expect(verifyWebhook(body, old, secret)).rejects.toThrow("too far");
    const future = signed(body, "msg_1", new Date(Date.now() + 10 * 60 * 1000));
    await expect(verifyWebhook(body, future, secret)).rejects.toThrow("too far");
    await expect(verifyWebhook(body, { "webhook-id": "x" }, secret)).rejects.toThrow("Missing");
  });
});

describe("chronicle.streams against the reference server", { timeout: 120_000 }, () => {
  let ctx: TestContext;
  let worker: StreamWorker;
  let chronicle: Chronicle;
  const receiver = new Receiver(() => ({ status: 204 }));

  beforeAll(async () => {
    const base = loadConfig({});
    const streams = {
      ...base.streams,
      key: randomBytes(32),
      allowPrivateNetworks: true,
      pollMs: 40,
      retryBaseMs: 40,
    };
    ctx = await setUp("pglite", { heartbeatMs: base.heartbeatMs, streams });
    worker = new StreamWorker(createStreamsContext(ctx.store, streams));
    worker.start();
    await receiver.start();
    const { key } = await newProject(ctx.store, "SDK streams");
    chronicle = new Chronicle({ apiKey: key, baseUrl: ctx.server.base });
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await receiver.close();
    await ctx?.close();
  }, 180_000);

  it("creates a webhook stream, and a receiver using verifyWebhook gets every event in order", async () => {
    const stream = await chronicle.streams.create({
      name: "SDK",
      destination: { type: "webhook", url: receiver.url },
      batching: { linger_ms: 0 },
    });
    expect(stream.secret).toMatch(/^whsec_/);
    await chronicle.events.create({ action: "issue.created", actor: { type: "user", id: "u1" } });
    await chronicle.events.create({ action: "issue.closed", actor: { type: "user", id: "u1" } });
    const payloads = await waitFor(async () => {
      const verified = await Promise.all(
        receiver.requests.map((r) =>
          verifyWebhook<{ action: string }>(r.body, r.headers, stream.secret as string),
        ),
      );
      const actions = verified.flatMap((payload) =>
        payload.data.events.map((event) => event.action),
      );
      return actions.length >= 3 ? actions : undefined;
    }, "three events");
    expect(payloads).toEqual(["stream.created", "issue.created", "issue.closed"]);

    expect((await chronicle.streams.list()).data.map((s) => s.id)).toContain(stream.id);
    expect((await chronicle.streams.pause(stream.id)).status).toBe("paused");
    expect((await chronicle.streams.resume(stream.id)).status).toBe("active");
    expect((await chronicle.streams.test(stream.id)).outcome).toBe("delivered");
    const rotated = await chronicle.streams.rotateSecret(stream.id);
    expect(rotated.secret).not.toBe(stream.secret);
    const replayed = await chronicle.streams.replay(stream.id, 1);
    expect(replayed.cursor_seq).toBe(0);
    const attempts = await chronicle.streams.deliveries(stream.id);
    expect(attempts.data.some((attempt) => attempt.kind === "test")).toBe(true);
    await expect(
      chronicle.streams.create({
        name: "x",
        destination: { type: "webhook", url: "ftp://example.com" },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await chronicle.streams.delete(stream.id);
    expect((await chronicle.streams.list()).data).toHaveLength(0);
  });
});
