import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ServiceError } from "../../domain/errors.js";
import type { Principal } from "./principal.js";

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** Counts one request for the caller in the shared (database) window. */
export type ConsumeRateLimit = (principal: Principal) => Promise<RateLimitDecision>;

/** Sets RateLimit-* on every authenticated response; 429 + Retry-After over the limit. */
export function rateLimit(consume: ConsumeRateLimit): RequestHandler {
  return async (_req: Request, res: Response, next: NextFunction) => {
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) return next();
    const decision = await consume(principal);
    const reset = Math.max(0, Math.ceil(decision.resetSeconds));
    res.setHeader("RateLimit-Limit", String(decision.limit));
    res.setHeader("RateLimit-Remaining", String(Math.max(0, decision.remaining)));
    res.setHeader("RateLimit-Reset", String(reset));
    res.setHeader("RateLimit-Policy", `${decision.limit};w=60`);
    if (!decision.allowed) {
      throw new ServiceError(
        "rate_limit_exceeded",
        `More than ${decision.limit} requests in a minute; retry in ${Math.max(1, reset)} s`,
        { headers: { "Retry-After": String(Math.max(1, reset)) } },
      );
    }
    next();
  };
}
