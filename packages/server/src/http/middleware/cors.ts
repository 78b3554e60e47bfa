import type { NextFunction, Request, Response } from "express";

const ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "Chronicle-Version",
  "Idempotency-Key",
  "Last-Event-ID",
].join(", ");

const EXPOSED_HEADERS = [
  "Request-Id",
  "Chronicle-Version",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "RateLimit-Policy",
  "Retry-After",
  "Idempotent-Replayed",
  "Location",
].join(", ");

/**
 * Lets browsers call the API (viewer tokens are made to be handed to one). Credentials are
 * bearer tokens, never cookies, so any origin may send them.
 */
export function cors(req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
  if (req.method === "OPTIONS" && req.get("Access-Control-Request-Method")) {
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
    res.setHeader("Access-Control-Max-Age", "600");
    res.status(204).end();
    return;
  }
  next();
}
