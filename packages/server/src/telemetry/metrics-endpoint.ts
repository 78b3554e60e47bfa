import { timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Registry } from "prom-client";
import { ServiceError } from "../domain/errors.js";

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `GET /metrics` on the API port, for `Authorization: Bearer <CHRONICLE_METRICS_TOKEN>`
 * only: the metrics name operations and volumes, which are not for API keys to read.
 */
export function metricsRoute(registry: Registry, token: string) {
  const serve = async (req: Request, res: Response): Promise<void> => {
    if (req.method !== "GET") {
      res.setHeader("Allow", "GET");
      throw new ServiceError("method_not_allowed", "GET /metrics only");
    }
    const match = /^Bearer (\S+)$/.exec(req.get("authorization") ?? "");
    if (!match?.[1] || !sameToken(match[1], token)) {
      throw new ServiceError("unauthorized", "GET /metrics needs the metrics token");
    }
    res.setHeader("Content-Type", registry.contentType);
    res.setHeader("Cache-Control", "no-store");
    res.end(await registry.metrics());
  };
  // Synchronous for every other path: an async middleware costs each request a promise.
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path === "/metrics") serve(req, res).catch(next);
    else next();
  };
}

/** A listener of its own that serves `GET /metrics` and nothing else (CHRONICLE_METRICS_PORT). */
export function serveMetrics(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": registry.contentType, "Cache-Control": "no-store" });
        res.end(text);
      },
      (error: unknown) => {
        res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
        res.end(`metrics failed: ${String(error)}\n`);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
