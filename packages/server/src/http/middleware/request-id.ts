import type { NextFunction, Request, Response } from "express";
import { newId } from "../../services/system/ids.js";

export function newRequestId(): string {
  return newId("req");
}

/** Gives the request behind `res` an id, echoed in its `Request-Id`. */
export function assignRequestId(res: Response): string {
  const id = newRequestId();
  res.locals.requestId = id;
  res.setHeader("Request-Id", id);
  return id;
}

/** Gives every request an id, echoed in `Request-Id` on every response. */
export function requestId(_req: Request, res: Response, next: NextFunction): void {
  assignRequestId(res);
  next();
}

export function requestIdOf(res: Response): string {
  const id = res.locals.requestId;
  return typeof id === "string" ? id : newRequestId();
}
