import type { Response } from "express";
import { ServiceError } from "../../domain/errors.js";

/**
 * Aborted when the client closes the connection before its answer is sent, so that a read
 * still waiting for its project's turn gives its place up, and one running is cancelled,
 * instead of running for nobody.
 */
export function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) {
      controller.abort(
        new ServiceError("too_many_reads", "The client went away before its read finished"),
      );
    }
  });
  return controller.signal;
}
