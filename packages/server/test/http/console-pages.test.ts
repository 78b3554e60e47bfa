import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, urlOf } from "../../src/http/listen.js";
import { cors } from "../../src/http/middleware/cors.js";
import { consoleRouter } from "../../src/http/pages/console.js";

let dir: string;
let server: Server;
let missing: Server;
let base: string;
let missingBase: string;

async function serve(root: string): Promise<Server> {
  const app = express();
  app.use(cors);
  app.use(consoleRouter(root));
  app.use((_req, res) => {
    res.status(404).end();
  });
  return listen(app, 0, "127.0.0.1");
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chronicle-console-dist-"));
  await mkdir(join(dir, "assets"));
  await mkdir(join(dir, "embed"));
  await writeFile(join(dir, "index.html"), "<!doctype html><title>console</title>");
  await writeFile(join(dir, "assets", "index-abc123.js"), "console.log(1)");
  await writeFile(join(dir, "embed", "chronicle-activity.js"), "export {}");
  server = await serve(dir);
  missing = await serve(join(dir, "nowhere"));
  base = urlOf(server);
  missingBase = urlOf(missing);
});

afterAll(async () => {
  server?.close();
  missing?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (url: string) => fetch(url, { redirect: "manual" });

describe("serving the console", () => {
  it("when / is asked for, then it redirects to /console/", async () => {
    const response = await get(`${base}/`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/console/");
    expect((await get(`${base}/console`)).headers.get("location")).toBe("/console/");
  });

  it("when a console page is asked for, then index.html comes with a strict CSP", async () => {
    for (const path of ["/console/", "/console/actions", "/console/api-keys?x=1"]) {
      const response = await get(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain("<title>console</title>");
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get("cache-control")).toBe("no-cache");
    }
  });

  it("when hashed assets and the embed are asked for, then they are cached and loadable cross-origin", async () => {
    const asset = await get(`${base}/console/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const embed = await get(`${base}/console/embed/chronicle-activity.js`);
    expect(embed.status).toBe(200);
    expect(embed.headers.get("content-type")).toMatch(/javascript/);
    expect(embed.headers.get("access-control-allow-origin")).toBe("*");
    expect(embed.headers.get("cache-control")).toBe("no-cache");
  });

  it("when a file that does not exist is asked for, then it is a 404, not the app", async () => {
    expect((await get(`${base}/console/assets/missing.js`)).status).toBe(404);
    expect((await get(`${base}/console/../package.json`)).status).not.toBe(200);
  });

  it("when the console is not built, then its pages say how to build it", async () => {
    const response = await get(`${missingBase}/console/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("pnpm build");
  });
});
