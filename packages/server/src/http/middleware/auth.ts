import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ServiceError } from "../../domain/errors.js";
import type { Operation } from "../contract/contract.js";
import type { AuthThrottle } from "./auth-throttle.js";
import { hasScope, type Principal } from "./principal.js";

/** Resolves a bearer credential; null when unknown, revoked or expired. */
export type Authenticate = (token: string) => Promise<Principal | null>;

/**
 * Operations a credential pinned to a workspace (a viewer token, a workspace read key) may
 * call at all; each still checks the pin.
 */
export const VIEWER_OPERATIONS = new Set([
  "getCheckpoint",
  "getInclusionProof",
  "getConsistencyProof",
  "listVerifierKeys",
  "listEvents",
  "getEvent",
  "streamEvents",
  "exportEvents",
  "listWorkspaceEvents",
  "listTargetEvents",
]);

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="chronicle"' };

function bearerToken(req: Request): string {
  const header = req.get("Authorization");
  if (header === undefined) {
    throw new ServiceError("unauthorized", "Missing Authorization header (Bearer <key>)", {
      headers: CHALLENGE,
    });
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new ServiceError("unauthorized", "The Authorization header must be Bearer <key>", {
      headers: CHALLENGE,
    });
  }
  return match[1];
}

/** The client's address as Express sees it (`trust proxy` decides whether X-Forwarded-For counts). */
function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? "unknown";
}

/**
 * 401 without a valid credential; stores the caller in `res.locals.principal`. With a
 * throttle, every failure is counted for the client's address, and an address over its
 * limit is `429 rate_limit_exceeded` (with `Retry-After`) before its credential is read.
 */
export function authenticateRequest(
  operation: Operation,
  authenticate: Authenticate,
  throttle?: AuthThrottle,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (operation.requiredScope === "none") return next();
    const address = clientAddress(req);
    const wait = throttle?.retryAfter(address) ?? 0;
    if (wait > 0) {
      throw new ServiceError(
        "rate_limit_exceeded",
        `Too many failed authentications from this address; retry in ${wait} s`,
        { headers: { "Retry-After": String(wait) } },
      );
    }
    let principal: Principal | null;
    try {
      principal = await authenticate(bearerToken(req));
    } catch (error) {
      if (error instanceof ServiceError) await throttle?.failed(address);
      throw error;
    }
    if (!principal) {
      await throttle?.failed(address);
      throw new ServiceError("unauthorized", "Unknown, revoked or expired credential", {
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
    if (principal.workspaceId !== null && !VIEWER_OPERATIONS.has(operation.operationId)) {
      throw new ServiceError(
        "forbidden",
        `A credential pinned to a workspace cannot call ${operation.operationId}`,
      );
    }
    if (!hasScope(principal, operation.requiredScope)) {
      throw new ServiceError(
        "forbidden",
        `${operation.operationId} requires the ${operation.requiredScope} scope`,
      );
    }
    next();
  };
}
