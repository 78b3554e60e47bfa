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

/** Marks the response with the problem code it answers (for metrics). */
export function tagProblem(res: Response, code: string): void {
  res.locals.problemCode = code;
}

/** The problem code the response answered, or undefined for a success. */
export function problemCodeOf(res: Response): string | undefined {
  const code = res.locals.problemCode;
  return typeof code === "string" ? code : undefined;
}
