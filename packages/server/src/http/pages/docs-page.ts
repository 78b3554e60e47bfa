import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type RequestHandler } from "express";
import type { OpenApiDocument } from "../contract/contract.js";
import { onPaths } from "../middleware/path-gate.js";

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/**
 * The page `/docs` serves when no site was built: every operation of the contract, from
 * the document itself, with no script and nothing fetched from elsewhere (works offline).
 */
function operationsPage(document: OpenApiDocument): string {
  const rows: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, { operationId?: string; summary?: string }>)[
        method
      ];
      if (!operation) continue;
      rows.push(
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td>` +
          `<td>${escapeHtml(operation.summary ?? "")}</td><td><code>${escapeHtml(operation.operationId ?? "")}</code></td></tr>`,
      );
    }
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chronicle API</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left}</style>
</head>
<body>
<h1>Chronicle API</h1>
<p>The contract is at <a href="/openapi.json">/openapi.json</a>. The full documentation site
(guides, SDK guide, reference with samples) is served here once built: run
<code>pnpm docs:build</code> in the repository, or use the installed <code>@chronicle/server</code> package, which ships it.</p>
<table>
<tr><th>method</th><th>path</th><th>summary</th><th>operationId</th></tr>
${rows.join("\n")}
</table>
</body>
</html>
`;
}

/** The root of the @chronicle/server package this module belongs to (source or built). */
function packageRoot(): string | undefined {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "@chronicle/server") return directory;
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/**
 * Where the docs site is: the repository's `site/` (written by `pnpm docs:build`) when the
 * server runs inside the repository, else the copy packed with the package (`dist/site`).
 */
export function defaultSiteDir(): string | undefined {
  const root = packageRoot();
  if (!root) return undefined;
  const repository = resolve(root, "..", "..");
  const candidates = [
    ...(existsSync(join(repository, "pnpm-workspace.yaml")) ? [join(repository, "site")] : []),
    join(root, "dist", "site"),
  ];
  return candidates.find((candidate) => existsSync(join(candidate, "index.html")));
}

/** Every path the docs router answers (Express matches routes case-insensitively, `/v1/` too). */
const DOCS_PATHS = /^\/(?:(?:openapi\.json|v1)\/?$|docs(?:\/|$))/i;

/**
 * The contract at `/openapi.json`, a small index at `/v1`, and the docs at `/docs`: the
 * built site when there is one, otherwise a page listing the operations.
 */
export function docsRouter(document: OpenApiDocument, siteDir: string | undefined): RequestHandler {
  const router = express.Router();
  router.get("/openapi.json", (_req, res) => {
    res.json(document);
  });
  router.get("/v1", (_req, res) => {
    res.json({
      name: "Chronicle",
      api_version: (document.info as { version?: string } | undefined)?.version ?? null,
      links: {
        docs: "/docs/",
        contract: "/openapi.json",
        health: "/v1/health",
        events: "/v1/events",
      },
      authentication: "Authorization: Bearer <API key>",
    });
  });
  const site = siteDir ? resolve(siteDir) : undefined;
  if (site && existsSync(resolve(site, "index.html"))) {
    router.use("/docs", express.static(site, { extensions: ["html"] }));
  } else {
    const page = operationsPage(document);
    router.get("/docs", (_req, res) => {
      res.type("html").send(page);
    });
  }
  return onPaths(DOCS_PATHS, router);
}
