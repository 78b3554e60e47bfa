import { isUtf8 } from "node:buffer";
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import { ServiceError } from "../../domain/errors.js";
import type { Operation } from "../contract/contract.js";
import { jsonLimitError } from "./json-limits.js";

function hasBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** The charset parameter of the Content-Type, lower-cased; undefined when there is none. */
function charsetOf(req: Request): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get("Content-Type") ?? "");
  return match?.[1]?.toLowerCase();
}

/**
 * JSON text as RFC 8259 exchanges it: UTF-8 only, and every byte sequence valid (a decoder
 * would otherwise store U+FFFD in place of what the client sent). Parsed with JSON.parse,
 * then held to the limits of json-limits.ts (nesting, numbers) before anything walks it.
 */
function parseJson(raw: Buffer): unknown {
  if (!isUtf8(raw)) {
    throw new ServiceError("invalid_json", "The request body is not valid UTF-8");
  }
  const text = raw.toString("utf8").replace(/^\uFEFF/, "");
  let value: unknown;
  try {
    value = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new ServiceError("invalid_json", "The request body is not valid JSON");
  }
  const broken = jsonLimitError(text);
  if (broken) {
    throw new ServiceError(
      "validation_failed",
      `${broken.pointer || "The body"} ${broken.detail}`,
      {
        errors: [broken],
      },
    );
  }
  return value;
}

/**
 * Parses the JSON body of an operation that takes one: 415 for another media type or a
 * charset other than UTF-8, 413 over the operation's limit, 400 for malformed JSON or
 * invalid UTF-8, 422 past the nesting or number limits.
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
      throw new ServiceError(
        "unsupported_media_type",
        `The request body must be application/json, got ${req.get("Content-Type") ?? "no Content-Type"}`,
      );
    }
    const charset = charsetOf(req);
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
      throw new ServiceError(
        "unsupported_media_type",
        `JSON bodies must be UTF-8, got charset=${charset}`,
      );
    }
    next();
  };
  // Raw bytes, so that invalid UTF-8 is refused rather than decoded to U+FFFD.
  const read = express.raw({ limit: body.maxBytes, type: () => true });
  const parseWhenPresent = (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    read(req, res, (error?: unknown) => {
      if (error) return next(undecodable(error, req) ?? error);
      try {
        // Not strict: `null` or `"text"` is JSON, and the contract (422) says why it is the wrong JSON.
        req.body = parseJson(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      } catch (problem) {
        return next(problem);
      }
      next();
    });
  };
  return [requireJson, parseWhenPresent];
}

/**
 * A body its `Content-Encoding` (gzip, deflate, br) does not decode: zlib's error, which
 * body-parser passes on as a 400 with no `type` of its own. Errors body-parser names (size,
 * aborted, unsupported encoding) are mapped by the error handler.
 */
function undecodable(error: unknown, req: Request): ServiceError | undefined {
  const e = error as { status?: unknown; type?: unknown };
  if (e.status !== 400 || e.type !== undefined) return undefined;
  const encoding = req.get("Content-Encoding") ?? "identity";
  return new ServiceError(
    "invalid_json",
    `The request body does not decode as its Content-Encoding (${encoding}) says`,
  );
}
