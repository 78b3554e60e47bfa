import { existsSync } from "node:fs";
import { resolve } from "node:path";
import express, { type Router } from "express";
import type { OpenApiDocument } from "./contract.js";

const REDOC_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Chronicle API reference</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <redoc spec-url="/openapi.json"></redoc>
    <script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script>
  </body>
</html>
`;

/**
 * The contract at `/openapi.json` and the docs at `/docs`: the built site (`pnpm docs`)
 * when it exists, otherwise a Redoc page over the bundled contract.
 */
export function docsRouter(document: OpenApiDocument, siteDir: string): Router {
  const router = express.Router();
  router.get("/openapi.json", (_req, res) => {
    res.json(document);
  });
  const site = resolve(siteDir);
  if (existsSync(resolve(site, "index.html"))) {
    router.use("/docs", express.static(site));
  } else {
    router.get("/docs", (_req, res) => {
      res.type("html").send(REDOC_PAGE);
    });
  }
  return router;
}
