import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { STORE_KINDS, setUp, type TestContext } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createProject } from "../../src/services/index.js";
import { parseExposition, sampleValue } from "./exposition.js";

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET that keeps the bytes as sent (fetch would decode them). */
function rawGet(url: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

describe.each(STORE_KINDS)("compression and the metrics token over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let auth: Record<string, string>;
  const TOKEN = "metrics-token-for-tests";

  beforeAll(async () => {
    const defaults = loadConfig({});
    ctx = await setUp(kind, {
      observability: { ...defaults.observability, metricsToken: TOKEN },
    });
    const { adminKey } = await createProject(ctx.store, { name: "Compression" });
    auth = { Authorization: `Bearer ${adminKey.key}` };
    const events = Array.from({ length: 200 }, (_, i) => ({
      action: "doc.edited",
      actor: { type: "user", id: `user_${i % 7}`, name: "Ada Lovelace" },
      target: { type: "document", id: `doc_${i}` },
      summary: `Ada edited document ${i}`,
      // An event of a little over 1 KiB on the wire.
      metadata: { words: i * 10, tags: ["draft", "shared"], note: "n".repeat(600) },
    }));
    const response = await fetch(`${ctx.server.base}/v1/events/batch`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ events }),
    });
    expect(response.status).toBe(201);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it("when a list is asked for with gzip, then it comes gzipped and decodes to the same page", async () => {
    const url = `${ctx.server.base}/v1/events?limit=100&order=asc`;
    const plain = await rawGet(url, auth);
    const zipped = await rawGet(url, { ...auth, "Accept-Encoding": "gzip" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(String(zipped.headers.vary)).toMatch(/Accept-Encoding/i);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    const page = JSON.parse(gunzipSync(zipped.body).toString("utf8")) as {
      data: { seq: number }[];
    };
    expect(page.data.map((e) => e.seq)).toEqual(
      (JSON.parse(plain.body.toString("utf8")) as { data: { seq: number }[] }).data.map(
        (e) => e.seq,
      ),
    );
  });

  it("when an export is asked for with br, then it streams brotli that decodes to every line", async () => {
    const url = `${ctx.server.base}/v1/events/export?format=ndjson&action=doc.edited`;
    const compressed = await rawGet(url, { ...auth, "Accept-Encoding": "br, gzip;q=0.5" });
    expect(compressed.status).toBe(200);
    expect(compressed.headers["content-encoding"]).toBe("br");
    expect(compressed.headers["content-length"]).toBeUndefined();
    const lines = brotliDecompressSync(compressed.body).toString("utf8").trim().split("\n");
    expect(lines).toHaveLength(200);
    expect((JSON.parse(lines[199] as string) as { action: string }).action).toBe("doc.edited");
  });

  it("when an answer under 4 KiB or an identity-only client asks, then nothing is compressed", async () => {
    const small = await rawGet(`${ctx.server.base}/v1/events/evt_01KMX4Q2R7B9C3D5E6F8G0H1J2`, {
      ...auth,
      "Accept-Encoding": "gzip",
    });
    expect(small.status).toBe(404);
    expect(small.body.length).toBeLessThan(1024);
    expect(small.headers["content-encoding"]).toBeUndefined();
    // One event, a proof: answers of a few KiB go as they are, gzip accepted or not.
    const page = await rawGet(`${ctx.server.base}/v1/events?limit=1&action=doc.edited`, auth);
    const [event] = (JSON.parse(page.body.toString("utf8")) as { data: { id: string }[] }).data;
    const one = await rawGet(`${ctx.server.base}/v1/events/${event?.id}`, {
      ...auth,
      "Accept-Encoding": "gzip, br",
    });
    expect(one.status).toBe(200);
    expect(one.body.length).toBeGreaterThan(1024);
    expect(one.body.length).toBeLessThan(4096);
    expect(one.headers["content-encoding"]).toBeUndefined();
    expect(String(one.headers.vary)).toMatch(/Accept-Encoding/i);
    const proof = await rawGet(`${ctx.server.base}/v1/integrity/proofs/inclusion?seq=3`, {
      ...auth,
      "Accept-Encoding": "gzip",
    });
    expect(proof.status).toBe(200);
    expect(proof.headers["content-encoding"]).toBeUndefined();
    const identity = await rawGet(`${ctx.server.base}/v1/events?limit=100`, {
      ...auth,
      "Accept-Encoding": "identity",
    });
    expect(identity.headers["content-encoding"]).toBeUndefined();
  });

  it("when /metrics is asked on the API port, then only the metrics token gets it", async () => {
    const without = await fetch(`${ctx.server.base}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get("content-type")).toContain("application/problem+json");
    const wrongKey = await fetch(`${ctx.server.base}/metrics`, { headers: auth });
    expect(wrongKey.status).toBe(401);
    const withToken = await fetch(`${ctx.server.base}/metrics`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(withToken.status).toBe(200);
    const { samples } = parseExposition(await withToken.text());
    expect(
      sampleValue(samples, "chronicle_http_requests_total", {
        operation: "exportEvents",
        status: "200",
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, "chronicle_http_requests_total", { operation: "unmatched" }),
    ).toBeGreaterThanOrEqual(2);
  });
});
