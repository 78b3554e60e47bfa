// The docs site (`pnpm docs:build`): built, served by the real server at /docs, crawled
// (no broken link, nothing loaded from elsewhere) and searched (a guide and an operation).
// The samples themselves are compiled and run in samples.test.ts.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import MiniSearch from "minisearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../packages/server/src/config.js";
import { createApp } from "../../packages/server/src/http/app.js";
import { closeServer, listen, urlOf } from "../../packages/server/src/http/listen.js";
import { migrate, openStore, type Store } from "../../packages/server/src/store/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const guides = readdirSync(join(root, "docs/guides"))
  .filter((file) => file.endsWith(".md"))
  .map((file) => file.slice(0, -3));

interface Entry {
  path: string;
  method: string;
  operation: { operationId: string; summary: string; "x-codeSamples"?: { label: string }[] };
}
const run = promisify(execFile);

describe("the docs site", () => {
  let site: string;
  let dataDir: string;
  let store: Store;
  let server: Server;
  let base: string;
  let operations: string[];

  beforeAll(async () => {
    site = mkdtempSync(join(tmpdir(), "chronicle-site-"));
    dataDir = mkdtempSync(join(tmpdir(), "chronicle-docs-data-"));
    // As `pnpm docs:build` runs it: its own process, outside the test runner's module graph.
    await run("node", [join(root, "scripts/build-docs.mjs"), "--out", site], { cwd: root });
    const bundle = JSON.parse(
      readFileSync(join(root, "packages/types/generated/openapi.json"), "utf8"),
    ) as { paths: Record<string, Record<string, { operationId: string }>> };
    operations = Object.values(bundle.paths).flatMap((item) =>
      Object.values(item).map((operation) => operation.operationId),
    );
    store = await openStore({ dataDir });
    await migrate(store);
    const config = loadConfig({ PORT: "0", CHRONICLE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    server = await listen(createApp({ store, config, siteDir: site }), 0, "127.0.0.1");
    base = urlOf(server);
  }, 300_000);

  afterAll(async () => {
    if (server) await closeServer(server);
    await store?.close();
    rmSync(site, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("when crawled from /docs/, then every page and asset it links answers 200", async () => {
    const seen = new Set<string>();
    const queue = ["/docs/"];
    const broken: string[] = [];
    while (queue.length > 0) {
      const path = queue.shift() as string;
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await fetch(`${base}${path}`);
      if (response.status !== 200) broken.push(`${path} → ${response.status}`);
      if (!(response.headers.get("content-type") ?? "").includes("text/html")) {
        await response.arrayBuffer();
        continue;
      }
      const html = await response.text();
      for (const [, link] of html.matchAll(/(?:href|src)="([^"#?]+)[^"]*"/g)) {
        if (!link || /^[a-z]+:/i.test(link) || link.startsWith("//")) continue;
        const target = new URL(link, `${base}${path}`).pathname;
        if (target.startsWith("/docs/") && !seen.has(target)) queue.push(target);
      }
    }
    expect(broken).toEqual([]);
    expect(seen.size).toBeGreaterThan(operations.length + guides.length);
  });

  it("when a page or the interactive reference loads, then nothing comes from another host", () => {
    const pages = readdirSync(site, { recursive: true, encoding: "utf8" }).filter((file) =>
      file.endsWith(".html"),
    );
    for (const page of pages) {
      const html = readFileSync(join(site, page), "utf8");
      expect(html, page).not.toMatch(/<script[^>]+src="(https?:)?\/\//);
      expect(html, page).not.toMatch(/<link[^>]+href="(https?:)?\/\/[^"]+"[^>]*stylesheet/);
      expect(html, page).not.toMatch(/<link[^>]+stylesheet[^>]+href="(https?:)?\/\//);
    }
    expect(readFileSync(join(site, "api/index.html"), "utf8")).toContain("x-codeSamples");
  });

  it("when searched offline, then the index finds a guide and an operation", async () => {
    const chunks = join(site, "assets/chunks");
    const file = readdirSync(chunks).find((name) => name.startsWith("@localSearchIndexroot"));
    expect(file, "local search index").toBeDefined();
    const { default: json } = (await import(pathToFileURL(join(chunks, file as string)).href)) as {
      default: string;
    };
    const index = MiniSearch.loadJSON<{ title: string }>(json, {
      fields: ["title", "titles", "text"],
      storeFields: ["title", "titles"],
    });
    // A hit is a page section: "/docs/guides/x.html#heading".
    const pages = (query: string) =>
      index.search(query, { prefix: true }).map((hit) => String(hit.id).split("#")[0]);
    expect(pages("polling cursor")).toContain("/docs/guides/cursors-and-polling.html");
    expect(pages("export events")).toContain("/docs/reference/exportEvents.html");
    expect(pages("Idempotency-Key")).toContain("/docs/reference/createEvent.html");
    expect(pages("verifyChain")).toContain("/docs/sdk.html");
  });

  it("when a guide is added to docs/guides, then it is in every page's navigation", () => {
    const page = readFileSync(join(site, "reference/index.html"), "utf8");
    const missing = guides.filter((name) => !page.includes(`href="/docs/guides/${name}.html"`));
    expect(missing, "guides missing from the site's navigation").toEqual([]);
  });

  it("when an operation is in the contract, then its page has curl, TypeScript and Python samples", () => {
    const bundled = JSON.parse(readFileSync(join(site, "openapi.json"), "utf8")) as {
      paths: Record<string, Record<string, Entry["operation"]>>;
    };
    const withSamples = Object.values(bundled.paths).flatMap((item) => Object.values(item));
    expect(withSamples.map((operation) => operation.operationId).sort()).toEqual(
      [...operations].sort(),
    );
    for (const operation of withSamples) {
      expect(operation["x-codeSamples"]?.map((sample) => sample.label)).toEqual([
        "curl",
        "TypeScript",
        "Python",
      ]);
      const html = readFileSync(join(site, `reference/${operation.operationId}.html`), "utf8");
      for (const label of ["curl", "TypeScript", "Python"]) expect(html).toContain(label);
      expect(html).toContain(operation.summary.replaceAll("'", "&#39;"));
    }
  });
});
