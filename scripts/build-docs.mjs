#!/usr/bin/env node
// Builds the static docs site into site/ (git-ignored):
//   site/index.html          landing page: intro, guides, every operation of the contract
//   site/api/index.html      the API reference (redocly build-docs, scripts inlined)
//   site/guides/<name>.html  docs/guides/*.md rendered with marked
//   site/openapi.json        the bundled contract
// Usage: node scripts/build-docs.mjs [--out <dir>]
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { marked } from "marked";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const guidesDir = join(root, "docs", "guides");
const bundlePath = join(root, "packages", "types", "generated", "openapi.json");
const redocly = join(root, "node_modules", ".bin", "redocly");

/** Reading order of the guides; any other guide follows alphabetically. */
const GUIDE_ORDER = [
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
const METHODS = ["get", "post", "put", "patch", "delete"];

function outputDirectory(argv) {
  const index = argv.indexOf("--out");
  if (index === -1) return join(root, "site");
  const value = argv[index + 1];
  if (!value) throw new Error("--out needs a directory");
  return resolve(value);
}

const escapeHtml = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );

/** Markdown links between guides point at .md files; the site serves .html. */
const toSiteLinks = (markdown) =>
  markdown.replace(/\]\(([\w./-]+)\.md(#[\w-]+)?\)/g, "]($1.html$2)");

function page({ title, body, depth }) {
  const up = depth === 0 ? "" : "../".repeat(depth);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Chronicle</title>
<style>
  body { font: 16px/1.6 system-ui, sans-serif; max-width: 52rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; color: #1d2330; }
  nav { padding: .75rem 0; border-bottom: 1px solid #dde1e8; margin-bottom: 1.5rem; }
  nav a { margin-right: 1rem; }
  a { color: #1f5fbf; }
  code, pre { font: 14px/1.5 ui-monospace, monospace; background: #f3f5f8; border-radius: 4px; }
  code { padding: 0 .25rem; }
  pre { padding: .75rem 1rem; overflow-x: auto; }
  pre code { padding: 0; background: none; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 15px; }
  th, td { border: 1px solid #dde1e8; padding: .35rem .6rem; text-align: left; vertical-align: top; }
  th { background: #f3f5f8; }
  .method { font: 600 13px ui-monospace, monospace; text-transform: uppercase; }
</style>
</head>
<body>
<nav><a href="${up}index.html">Chronicle</a><a href="${up}guides/quick-start.html">Quick start</a><a href="${up}api/index.html">API reference</a></nav>
<main>
${body}
</main>
</body>
</html>
`;
}

function listGuides() {
  const names = readdirSync(guidesDir)
    .filter((file) => file.endsWith(".md"))
    .map((file) => file.slice(0, -3));
  const rank = (name) => {
    const index = GUIDE_ORDER.indexOf(name);
    return index === -1 ? GUIDE_ORDER.length : index;
  };
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function renderGuides(outDir) {
  mkdirSync(join(outDir, "guides"), { recursive: true });
  return listGuides().map((name) => {
    const markdown = readFileSync(join(guidesDir, `${name}.md`), "utf8");
    const title = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? name;
    const body = marked.parse(toSiteLinks(markdown), { async: false });
    writeFileSync(join(outDir, "guides", `${name}.html`), page({ title, body, depth: 1 }));
    return { name, title };
  });
}

function buildApiReference(outDir) {
  execFileSync(
    redocly,
    ["build-docs", "chronicle@v1", "--inlineBundle", "--output", join(outDir, "api", "index.html")],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    },
  );
}

function operationsTable(document) {
  const byTag = new Map((document.tags ?? []).map((tag) => [tag.name, []]));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? "Other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ method, path, operation });
    }
  }
  const sections = [];
  for (const [tag, operations] of byTag) {
    if (operations.length === 0) continue;
    const rows = operations.map(
      ({ method, path, operation }) =>
        `<tr><td class="method">${method}</td><td><code>${escapeHtml(path)}</code></td>` +
        `<td>${escapeHtml(operation.summary)}</td><td><code>${escapeHtml(operation.operationId)}</code></td>` +
        `<td><code>${escapeHtml(operation["x-required-scope"] ?? "")}</code></td></tr>`,
    );
    sections.push(
      `<h3>${escapeHtml(tag)}</h3>\n<table>\n<tr><th>method</th><th>path</th><th>summary</th><th>operationId</th><th>scope</th></tr>\n${rows.join("\n")}\n</table>`,
    );
  }
  return sections.join("\n");
}

function renderIndex(outDir, guides, document) {
  const intro = marked.parse(toSiteLinks(readFileSync(join(root, "docs", "index.md"), "utf8")), {
    async: false,
  });
  const guideList = guides
    .map(({ name, title }) => `<li><a href="guides/${name}.html">${escapeHtml(title)}</a></li>`)
    .join("\n");
  const body = `${intro}
<h2>Guides</h2>
<ul>
${guideList}
</ul>
<h2>Operations</h2>
<p>API version <code>${escapeHtml(document.info.version)}</code>. Every operation is documented in the <a href="api/index.html">API reference</a>.</p>
${operationsTable(document)}
`;
  writeFileSync(join(outDir, "index.html"), page({ title: "Chronicle", body, depth: 0 }));
}

export function buildDocs(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, "api"), { recursive: true });
  const document = JSON.parse(readFileSync(bundlePath, "utf8"));
  buildApiReference(outDir);
  const guides = renderGuides(outDir);
  renderIndex(outDir, guides, document);
  copyFileSync(bundlePath, join(outDir, "openapi.json"));
  return { index: join(outDir, "index.html"), api: join(outDir, "api", "index.html"), guides };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = buildDocs(outputDirectory(process.argv.slice(2)));
  console.log(`built ${built.index}\nbuilt ${built.api}\nbuilt ${built.guides.length} guides`);
}
