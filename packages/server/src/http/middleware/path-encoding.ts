import type { NextFunction, Request, Response } from "express";

/**
 * Express rejects a path segment it cannot percent-decode (`/v1/events/%E0%A4%A`) before
 * any route runs, so the answer would skip authentication and rate limiting. Instead the
 * segment is re-encoded so the route matches, remembered, and reported by the parameter
 * validation as `400 invalid_parameter` at `/path/<name>` like any other bad parameter.
 */
export function tolerateMalformedPath(req: Request, res: Response, next: NextFunction): void {
  const queryAt = req.url.indexOf("?");
  const pathname = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
  const malformed = new Set<string>();
  const segments = pathname.split("/").map((segment) => {
    try {
      decodeURIComponent(segment);
      return segment;
    } catch {
      malformed.add(segment);
      return encodeURIComponent(segment);
    }
  });
  if (malformed.size > 0) {
    req.url = segments.join("/") + (queryAt < 0 ? "" : req.url.slice(queryAt));
    res.locals.malformedPathValues = malformed;
  }
  next();
}

/** Path parameters whose raw segment could not be decoded, as `/path/<name>` pointers. */
export function malformedPathParameters(
  res: Response,
  params: Record<string, unknown>,
): { pointer: string; detail: string; code: string }[] {
  const malformed = res.locals.malformedPathValues as Set<string> | undefined;
  if (!malformed) return [];
  return Object.entries(params)
    .filter(([, value]) => typeof value === "string" && malformed.has(value))
    .map(([name]) => ({
      pointer: `/path/${name}`,
      detail: "malformed percent-encoding",
      code: "format",
    }));
}
