import type { Request, Response } from "express";
import { ServiceError } from "../../domain/errors.js";
import type { Operation } from "../contract/contract.js";

/** One path of the contract: its operations and the methods its path item declares. */
export interface DeclaredPath {
  /** The path in Express syntax, `/v1/events/:event_id`. */
  expressPath: string;
  operations: Operation[];
  /** The `Allow` header value, `GET, POST`. */
  allow: string;
}

/**
 * The operations grouped by path, in the order of `operations` (static paths before
 * parameterised ones). Routing each group, then its 405, before the next path keeps
 * `GET /v1/events/batch` a 405 of its own path rather than `getEvent` with id "batch".
 */
export function declaredPaths(operations: Operation[]): DeclaredPath[] {
  const byPath = new Map<string, Operation[]>();
  for (const operation of operations) {
    byPath.set(operation.path, [...(byPath.get(operation.path) ?? []), operation]);
  }
  return [...byPath.values()].map((group) => ({
    expressPath: group[0]?.expressPath ?? "",
    operations: group,
    allow: group.map((operation) => operation.method.toUpperCase()).join(", "),
  }));
}

/**
 * Runs after a path's own routes: any method they did not take is
 * `405 method_not_allowed` with `Allow` (RFC 9110 §15.5.6), before authentication.
 */
export function methodNotAllowed({ allow }: DeclaredPath) {
  return (req: Request, _res: Response): void => {
    throw new ServiceError(
      "method_not_allowed",
      `${req.method} is not allowed on ${req.path}; allowed methods are ${allow}.`,
      { headers: { Allow: allow } },
    );
  };
}
