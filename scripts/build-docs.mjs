#!/usr/bin/env node
// Builds the docs site into site/ (git-ignored), served by the server at /docs:
//   guides (docs/guides), the SDK guide (docs/sdk.md), design notes, and the API reference
//   as one page per operation with curl / TypeScript / Python samples, all searchable
//   offline (VitePress, local search index); plus site/api/index.html, the interactive
//   reference (Redocly, with the same samples as x-codeSamples) and site/openapi.json.
// Usage: node scripts/build-docs.mjs [--out <dir>] [--base </docs/>]
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { operationPage, referenceIndex } from "./docs/reference.mjs";
import { operationsOf, samplesOf, withCodeSamples } from "./docs/samples.mjs";
import { listGuides, REPOSITORY_URL, siteConfig, titleOf } from "./docs/site-config.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const docsDir = join(root, "docs");
const bundlePath = join(root, "packages", "types", "generated", "openapi.json");
const redocly = join(root, "node_modules", ".bin", "redocly");
/** Pages of docs/ besides the guides: every docs/*.md (a new one needs no configuration). */
const topPages = () =>
  readdirSync(docsDir).filter((file) => file.endsWith(".md") && file !== "index.md");
/** Files the site itself serves (public/), so links to them stay inside the site. */
const SITE_FILES = new Set(["api/index.html", "openapi.json"]);

function option(argv, name, fallback) {
  const index = argv.indexOf(name);
  if (index === -1) return fallback;
  const value = argv[index + 1];
  if (!value) throw new Error(`${name} needs a value`);
  return value;
}

/**
 * Relative links of a docs page, rewritten for the site: pages of the site stay relative,
 * site files become absolute, anything else in the repository links to the repository.
 */
function siteLinks(markdown, pagePath, pages) {
  return markdown.replace(/\]\((?!https?:|#|\/|mailto:)([^)\s]+)\)/g, (match, target) => {
    const [file, anchor = ""] = target.split(/(?=#)/);
    const inDocs = posix.normalize(posix.join(posix.dirname(pagePath), file));
    if (pages.has(inDocs)) return match;
    if (SITE_FILES.has(inDocs)) return `](/${inDocs}${anchor}){target="_self"}`;
    const inRepository = posix.normalize(posix.join("docs", posix.dirname(pagePath), file));
    const kind = file.endsWith("/") ? "tree" : "blob";
    return `](${REPOSITORY_URL}/${kind}/main/${inRepository}${anchor})`;
  });
}

const HTML_TAG =
  /^<(\/?)(br|img|details|summary|sup|sub|kbd|a|p|div|span|b|i|em|strong|code|pre|table|thead|tbody|tr|td|th)\b|^<!--/i;

/**
 * VitePress compiles each page as a Vue template: a `<` that does not open a known HTML
 * tag (`<key>`, `a < b`) or a `{{` outside code would break the build, so they are escaped.
 */
function vueSafe(markdown) {
  let fence = null;
  return markdown
    .split("\n")
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (marker && (fence === null || marker.startsWith(fence))) {
        fence = fence === null ? marker : null;
        return line;
      }
      if (fence !== null) return line;
      return line
        .split(/(`+[^`]*`+)/)
        .map((part, i) =>
          i % 2 === 1
            ? part
            : part
                .replace(/</g, (lt, offset, text) =>
                  HTML_TAG.test(text.slice(offset)) ? lt : "&lt;",
                )
                .replaceAll("{{", "&#123;&#123;"),
        )
        .join("");
    })
    .join("\n");
}

/** Screenshots and figures under docs/images/, linked from the guides. */
function docsImages() {
  const dir = join(docsDir, "images");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => /\.(svg|png)$/.test(file))
    .map((file) => `images/${file}`);
}

/** Lays out the VitePress source: docs pages, generated reference pages, public files. */
function stage(staging, document, samples, guides, notes, base) {
  const pages = new Set([
    "index.md",
    ...topPages(),
    ...guides.map(({ name }) => `guides/${name}.md`),
    ...readdirSync(docsDir).filter((file) => /\.(svg|png)$/.test(file)),
    ...docsImages(),
    "reference/index.md",
    ...operationsOf(document).map(({ operation }) => `reference/${operation.operationId}.md`),
  ]);
  mkdirSync(join(staging, "guides"), { recursive: true });
  mkdirSync(join(staging, "reference"), { recursive: true });
  mkdirSync(join(staging, "public", "api"), { recursive: true });
  mkdirSync(join(staging, ".vitepress"), { recursive: true });
  for (const page of [...pages].filter((file) => file.endsWith(".md"))) {
    const source = join(docsDir, page);
    if (!existsSync(source)) continue;
    writeFileSync(
      join(staging, page),
      vueSafe(siteLinks(readFileSync(source, "utf8"), page, pages)),
    );
  }
  for (const file of readdirSync(docsDir).filter((f) => /\.(svg|png)$/.test(f))) {
    cpSync(join(docsDir, file), join(staging, file));
  }
  for (const file of docsImages()) {
    mkdirSync(join(staging, "images"), { recursive: true });
    cpSync(join(docsDir, file), join(staging, file));
  }
  writeFileSync(join(staging, "reference", "index.md"), referenceIndex(document));
  for (const entry of operationsOf(document)) {
    const { operationId } = entry.operation;
    writeFileSync(
      join(staging, "reference", `${operationId}.md`),
      operationPage(document, entry, samples.get(operationId)),
    );
  }
  const withSamples = withCodeSamples(document, samples);
  const bundled = join(staging, "public", "openapi.json");
  writeFileSync(bundled, `${JSON.stringify(withSamples, null, 2)}\n`);
  writeFileSync(
    join(staging, ".vitepress", "config.mjs"),
    `export default ${JSON.stringify(siteConfig({ guides, notes, document, base }), null, 2)};\n`,
  );
  return bundled;
}

function buildInteractiveReference(bundled, output) {
  execFileSync(redocly, ["build-docs", bundled, "--inlineBundle", "--output", output], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  });
}

/** Builds the whole site into outDir; resolves with what it built. */
export async function buildDocs(outDir, { base = "/docs/" } = {}) {
  const document = JSON.parse(readFileSync(bundlePath, "utf8"));
  const samples = samplesOf(document, join(docsDir, "samples"));
  const guides = listGuides(join(docsDir, "guides"));
  // The "Project" pages of the navigation: docs/*.md besides the SDK guide.
  const notes = topPages()
    .filter((file) => file !== "sdk.md")
    .map((file) => ({
      name: file.slice(0, -3),
      title: titleOf(readFileSync(join(docsDir, file), "utf8"), file.slice(0, -3)),
    }));
  // Inside the repository, so that VitePress and its theme resolve from node_modules.
  mkdirSync(join(root, ".docs-build"), { recursive: true });
  const staging = mkdtempSync(join(root, ".docs-build", "site-"));
  try {
    const bundled = stage(staging, document, samples, guides, notes, base);
    buildInteractiveReference(bundled, join(staging, "public", "api", "index.html"));
    const { build } = await import("vitepress");
    rmSync(outDir, { recursive: true, force: true });
    await build(staging, { outDir: resolve(outDir), logLevel: "warn" });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { outDir: resolve(outDir), guides, operations: [...samples.keys()], base };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const outDir = resolve(option(argv, "--out", join(root, "site")));
  const built = await buildDocs(outDir, { base: option(argv, "--base", "/docs/") });
  console.log(
    `built ${relative(process.cwd(), built.outDir) || "."}: ${built.guides.length} guides, ` +
      `${built.operations.length} operations (served at ${built.base} by the server)`,
  );
}
