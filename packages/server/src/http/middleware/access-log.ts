import type { NextFunction, Request, Response } from "express";
import type { Logger } from "../../telemetry/logger.js";
import { clientAddress, relayingReplica } from "./client-address.js";
import { answeredStatus, operationIdOf } from "./operation-tag.js";
import type { Principal } from "./principal.js";
import { requestIdOf } from "./request-id.js";

/** Milliseconds (to the microsecond) since `started`, a `process.hrtime.bigint()`. */
export function latencyMsSince(started: bigint): number {
  return Number((process.hrtime.bigint() - started) / 1000n) / 1000;
}

/**
 * One `info` line per finished request: who (project, key, the client's address and the
 * replica that relayed it), what (operation, path without its query, which may hold search
 * text), how it ended (status, latency, aborted).
 */
export function accessLog(logger: Logger) {
  // Below `info` nothing would be written: no listener, no fields built, per request.
  if (logger.isLevelEnabled?.("info") === false) {
    return (_req: Request, _res: Response, next: NextFunction): void => next();
  }
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on("close", () => {
      const principal = res.locals.principal as Principal | undefined;
      const relay = relayingReplica(req);
      logger.info("request", {
        request_id: requestIdOf(res),
        method: req.method,
        path: req.path,
        operation_id: operationIdOf(res) ?? null,
        project_id: principal?.projectId ?? null,
        key_id: principal?.id ?? null,
        client_address: clientAddress(req),
        ...(relay === undefined ? {} : { relayed_by: relay }),
        status: answeredStatus(res),
        latency_ms: latencyMsSince(started),
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    });
    next();
  };
}
