import type { NextFunction, Request, Response } from "express";
import type { Logger } from "./logger.js";
import { requestIdOf } from "./request-id.js";

/** One `debug` line per finished request (LOG_LEVEL=debug); errors are logged where they happen. */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on("close", () => {
      logger.debug("request", {
        request_id: requestIdOf(res),
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        aborted: !res.writableFinished,
      });
    });
    next();
  };
}
