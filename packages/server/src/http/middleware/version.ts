import type { NextFunction, Request, Response } from "express";
import { ServiceError } from "../../domain/errors.js";

/** Date-named API versions this server speaks; the last one is the default. */
export const SUPPORTED_VERSIONS = ["2026-11-01"] as const;
export const DEFAULT_VERSION = SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1] as string;

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
