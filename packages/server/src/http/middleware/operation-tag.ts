import type { NextFunction, Request, Response } from "express";

/** Marks the request with the contract operation its route serves (for logs, metrics, traces). */
export function tagOperation(operationId: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.locals.operationId = operationId;
    next();
  };
}

/** The operationId of the route that took the request, or undefined (404, 405, /docs…). */
export function operationIdOf(res: Response): string | undefined {
  const id = res.locals.operationId;
  return typeof id === "string" ? id : undefined;
}

/**
 * The status the client was sent, or null when it went away before any answer: Node leaves
 * `statusCode` at 200 then, which logs, metrics and traces must not report as a success.
 */
export function answeredStatus(res: Response): number | null {
  return res.headersSent ? res.statusCode : null;
}

/** Marks the response with the problem code it answers (for metrics). */
export function tagProblem(res: Response, code: string): void {
  res.locals.problemCode = code;
}

/** The problem code the response answered, or undefined for a success. */
export function problemCodeOf(res: Response): string | undefined {
  const code = res.locals.problemCode;
  return typeof code === "string" ? code : undefined;
}
