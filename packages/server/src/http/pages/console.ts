import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type RequestHandler, type Response } from "express";
import { onPaths } from "../middleware/path-gate.js";

/**
 * Where the built console is: `dist/console` beside the bundled server (the package's build
 * copies it there, so an installed @chronicle/server ships it), else, running from the
 * repository's sources, the console package's own build (packages/console/dist). The
 * repository's copy is taken only when it is @chronicle/console's, not any `console/`.
 */
export function defaultConsoleDir(): string {
  const packed = fileURLToPath(new URL("./console", import.meta.url));
  if (existsSync(resolve(packed, "index.html"))) return packed;
  const workspace = new URL("../../../../console/", import.meta.url);
  try {
    const manifest = JSON.parse(readFileSync(new URL("package.json", workspace), "utf8")) as {
      name?: string;
    };
    if (manifest.name === "@chronicle/console") return fileURLToPath(new URL("dist", workspace));
  } catch {
    // No console package beside this one: fall through to the packed path (not built).
  }
  return packed;
}

const NOT_BUILT = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Chronicle console</title></head>
  <body>
    <main><h1>The console is not built</h1><p>Run <code>pnpm build</code> and reload.</p></main>
  </body>
</html>
`;

/** The console talks to this server only; its page may not be framed by another site. */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

function sendIndex(res: Response, indexFile: string): void {
  res.setHeader("Content-Security-Policy", CONSOLE_CSP);
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cache-Control", "no-cache");
  res.sendFile(indexFile);
}

/** Every path the console router answers: `/` and `/console…`. */
const CONSOLE_PATHS = /^\/(?:$|console(?:\/|$))/i;

/**
 * The built console at `/console` (a single-page app: any `/console/<page>` gets its
 * index.html), the embeddable viewer at `/console/embed/chronicle-activity.js` (loadable
 * from any origin: the CORS middleware runs first), and `GET /` redirecting to the console.
 */
export function consoleRouter(dir: string | URL = defaultConsoleDir()): RequestHandler {
  const root = resolve(typeof dir === "string" ? dir : fileURLToPath(dir));
  const indexFile = resolve(root, "index.html");
  const router = express.Router({ strict: true });
  router.get("/", (_req, res) => res.redirect(302, "/console/"));
  router.get("/console", (_req, res) => res.redirect(301, "/console/"));
  if (!existsSync(indexFile)) {
    router.get(/^\/console\/.*/, (_req, res) => {
      res.status(503).type("html").send(NOT_BUILT);
    });
    return onPaths(CONSOLE_PATHS, router);
  }
  router.get("/console/", (_req, res) => sendIndex(res, indexFile));
  router.use(
    "/console",
    express.static(root, {
      index: false,
      fallthrough: true,
      setHeaders: (res, path) => {
        // Vite names assets by content hash: they never change under one name.
        if (path.includes("/assets/")) {
          res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
        } else res.setHeader("Cache-Control", "no-cache");
      },
    }),
  );
  // Client-side pages (/console/actions, …); a missing file with an extension stays a 404.
  router.get(/^\/console\/[^.]*$/, (_req, res) => sendIndex(res, indexFile));
  return onPaths(CONSOLE_PATHS, router);
}
