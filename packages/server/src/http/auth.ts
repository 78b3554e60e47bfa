import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Operation } from "./contract.js";
import { hasScope, type Principal } from "./principal.js";
import { HttpProblem } from "./problem.js";

/** Resolves a bearer credential; null when unknown, revoked or expired. */
export type Authenticate = (token: string) => Promise<Principal | null>;

/** Operations a viewer token may call at all; each still checks the workspace pin. */
export const VIEWER_OPERATIONS = new Set([
  "listEvents",
  "getEvent",
  "streamEvents",
  "exportEvents",
  "listWorkspaceEvents",
]);

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="chronicle"' };

function bearerToken(req: Request): string {
  const header = req.get("Authorization");
  if (header === undefined) {
    throw new HttpProblem("unauthorized", "Missing Authorization header (Bearer <key>)", {
      headers: CHALLENGE,
    });
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new HttpProblem("unauthorized", "The Authorization header must be Bearer <key>", {
      headers: CHALLENGE,
    });
  }
  return match[1];
}

/** 401 without a valid credential; stores the caller in `res.locals.principal`. */
export function authenticateRequest(
  operation: Operation,
  authenticate: Authenticate,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (operation.requiredScope === "none") return next();
    const principal = await authenticate(bearerToken(req));
    if (!principal) {
      throw new HttpProblem("unauthorized", "Unknown, revoked or expired credential", {
        headers: CHALLENGE,
      });
    }
    res.locals.principal = principal;
    next();
  };
}

/** 403 when the caller lacks the operation's `x-required-scope` (admin implies all). */
export function authorize(operation: Operation): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const principal = res.locals.principal as Principal | undefined;
    if (operation.requiredScope === "none" || !principal) return next();
    if (principal.kind === "viewer_token" && !VIEWER_OPERATIONS.has(operation.operationId)) {
      throw new HttpProblem("forbidden", `A viewer token cannot call ${operation.operationId}`);
    }
    if (!hasScope(principal, operation.requiredScope)) {
      throw new HttpProblem(
        "forbidden",
        `${operation.operationId} requires the ${operation.requiredScope} scope`,
      );
    }
    next();
  };
}
