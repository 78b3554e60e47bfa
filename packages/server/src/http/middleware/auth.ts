import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ServiceError } from "../../domain/errors.js";
import type { Operation } from "../contract/contract.js";
import type { AuthThrottle } from "./auth-throttle.js";
import { clientAddress } from "./client-address.js";
import { hasScope, type Principal } from "./principal.js";

/**
 * Resolves a bearer credential for the request `res` (through that request's view of the
 * store); null when unknown, revoked or expired.
 */
export type Authenticate = (token: string, res: Response) => Promise<Principal | null>;

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

function unauthorized(detail: string): ServiceError {
  return new ServiceError("unauthorized", detail, { headers: CHALLENGE });
}

/**
 * HTTP Basic with the key as the user name and an empty password (`curl -u chr_…:`), as
 * Stripe accepts keys. Anything else in a Basic header is refused with a clear reason.
 */
function basicCredential(encoded: string): string {
  const decoded = Buffer.from(encoded, "base64");
  // Strict base64: what decodes must encode back to what was sent (padding aside).
  if (decoded.toString("base64").replace(/=+$/, "") !== encoded.replace(/=+$/, "")) {
    throw unauthorized("The Basic credentials are not valid base64");
  }
  const text = decoded.toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0)
    throw unauthorized("The Basic credentials must be <key>: (the key, a colon, no password)");
  const user = text.slice(0, colon);
  if (user === "") throw unauthorized("The Basic user name must be the key");
  if (colon !== text.length - 1) {
    throw unauthorized("The Basic password must be empty: send the key as the user name only");
  }
  return user;
}

/** The credential of `Authorization: Bearer <key>` or `Authorization: Basic base64(<key>:)`. */
export function credentialOf(req: Request): string {
  const header = req.get("Authorization");
  if (header === undefined) {
    throw unauthorized(
      "Missing Authorization header (Bearer <key>, or Basic with the key as user name)",
    );
  }
  const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (bearer?.[1]) return bearer[1];
  const basic = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (basic?.[1]) return basicCredential(basic[1]);
  if (/^Basic\b/i.test(header)) throw unauthorized("The Basic credentials are not valid base64");
  throw unauthorized("The Authorization header must be Bearer <key> or Basic <base64 of key:>");
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
      principal = await authenticate(credentialOf(req), res);
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
    if (operation.requiredScope === "none") return next();
    // Failing closed: an operation that requires a scope is never served without a caller,
    // whatever ran (or did not run) before this.
    if (!principal) {
      throw new ServiceError("unauthorized", "No credential was authenticated", {
        headers: CHALLENGE,
      });
    }
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
