import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bundle = JSON.parse(
  readFileSync(join(root, "packages/types/generated/openapi.json"), "utf8"),
) as { paths: Record<string, Record<string, { operationId: string; summary: string }>> };

const operations = Object.entries(bundle.paths).flatMap(([path, item]) =>
  Object.values(item).map((operation) => ({ path, ...operation })),
);

const GUIDES = [
  "quick-start",
  "events-and-actors",
  "cursors-and-polling",
  "errors",
  "rate-limits",
  "integrity",
  "live-tail",
  "action-catalog",
  "viewer-tokens",
  "retention",
];

interface BuildDocsModule {
  buildDocs(outDir: string): { index: string; api: string; guides: { name: string }[] };
}

/** Relative links of a page, without anchors, resolved against the page's folder. */
function localLinks(file: string): string[] {
  const html = readFileSync(file, "utf8");
  return [...html.matchAll(/href="([^"#:]+)(#[^"]*)?"/g)]
    .map((match) => match[1] ?? "")
    .filter((href) => href !== "" && !href.startsWith("/"))
    .map((href) => resolve(dirname(file), href));
}

describe("pnpm docs", () => {
  let site: string;

  beforeAll(async () => {
    site = mkdtempSync(join(tmpdir(), "chronicle-site-"));
    const script = pathToFileURL(join(root, "scripts", "build-docs.mjs")).href;
    const { buildDocs } = (await import(script)) as BuildDocsModule;
    buildDocs(site);
  }, 120_000);

  afterAll(() => {
    rmSync(site, { recursive: true, force: true });
  });

  it("when built, then the API reference names every operationId and summary", () => {
    const api = readFileSync(join(site, "api/index.html"), "utf8");
    expect(operations).toHaveLength(18);
    for (const { operationId, summary } of operations) {
      expect(api, operationId).toContain(operationId);
      expect(api, operationId).toContain(summary);
    }
  });

  it("when built, then the index lists every operation with its path and summary", () => {
    const index = readFileSync(join(site, "index.html"), "utf8");
    for (const { path, operationId, summary } of operations) {
      expect(index).toContain(`<code>${operationId}</code>`);
      expect(index).toContain(`<code>${path}</code>`);
      expect(index).toContain(summary);
    }
  });

  it.each(GUIDES)("when built, then the guide %s is rendered and linked from the index", (name) => {
    const file = join(site, "guides", `${name}.html`);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, "utf8")).toMatch(/<h1>[^<]+<\/h1>/);
    expect(readFileSync(join(site, "index.html"), "utf8")).toContain(`href="guides/${name}.html"`);
  });

  it("when built, then every relative link of the index and the guides resolves", () => {
    const pages = [
      join(site, "index.html"),
      ...GUIDES.map((name) => join(site, `guides/${name}.html`)),
    ];
    for (const page of pages) {
      for (const target of localLinks(page))
        expect(existsSync(target), `${page} → ${target}`).toBe(true);
    }
  });
});
