import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import type { Operation } from "./contract.js";
import { HttpProblem } from "./problem.js";

function hasBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * Parses the JSON body of an operation that takes one: 415 for another media type,
 * 413 over the operation's limit, 400 for malformed JSON.
 */
export function jsonBody(operation: Operation): RequestHandler[] {
  const body = operation.body;
  if (!body) return [];
  const requireJson = (req: Request, _res: Response, next: NextFunction) => {
    if (!hasBody(req)) {
      req.body = undefined;
      return next();
    }
    if (!req.is(["application/json", "application/*+json"])) {
      throw new HttpProblem(
        "unsupported_media_type",
        `The request body must be application/json, got ${req.get("Content-Type") ?? "no Content-Type"}`,
      );
    }
    next();
  };
  // Not strict: `null` or `"text"` is JSON, and the contract (422) says why it is the wrong JSON.
  const parse = express.json({ limit: body.maxBytes, type: () => true, strict: false });
  const parseWhenPresent = (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    parse(req, res, next);
  };
  return [requireJson, parseWhenPresent];
}
