import type { NextFunction, Request, Response } from "express";
import { DEFAULT_VERSION, SUPPORTED_VERSIONS } from "../../domain/api-versions.js";
import { ServiceError } from "../../domain/errors.js";

export { DEFAULT_VERSION, SUPPORTED_VERSIONS };

/** Reads `Chronicle-Version`, rejects unknown ones, and echoes the version used. */
export function apiVersion(req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Chronicle-Version", DEFAULT_VERSION);
  const asked = req.get("Chronicle-Version");
  // An empty header is a value, not an omission: the contract's enum rejects it too.
  if (asked === undefined) {
    next();
    return;
  }
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(asked)) {
    throw new ServiceError(
      "unsupported_version",
      `Chronicle-Version "${asked}" is not supported; supported: ${SUPPORTED_VERSIONS.join(", ")}`,
      {
        errors: [{ pointer: "/header/Chronicle-Version", detail: "unknown version", code: "enum" }],
      },
    );
  }
  res.setHeader("Chronicle-Version", asked);
  next();
}
