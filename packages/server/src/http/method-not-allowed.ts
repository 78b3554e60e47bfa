import type { Request, Response } from "express";
import type { Operation } from "./contract.js";
import { HttpProblem } from "./problem.js";

/** One path of the contract and the methods its path item declares, for a 405 answer. */
export interface DeclaredPath {
  /** The path in Express syntax, `/v1/events/:event_id`. */
  expressPath: string;
  /** The `Allow` header value, `GET, POST`. */
  allow: string;
}

/**
 * Every path of the contract with its declared methods, in the order of `operations`
 * (static paths before parameterised ones, so `/v1/events/export` keeps its own `Allow`).
 */
export function declaredPaths(operations: Operation[]): DeclaredPath[] {
  const byPath = new Map<string, { expressPath: string; methods: string[] }>();
  for (const operation of operations) {
    const entry = byPath.get(operation.path) ?? {
      expressPath: operation.expressPath,
      methods: [],
    };
    entry.methods.push(operation.method.toUpperCase());
    byPath.set(operation.path, entry);
  }
  return [...byPath.values()].map(({ expressPath, methods }) => ({
    expressPath,
    allow: methods.join(", "),
  }));
}

/**
 * Runs after a path's own routes: any method they did not take is
 * `405 method_not_allowed` with `Allow` (RFC 9110 §15.5.6), before authentication.
 */
export function methodNotAllowed({ allow }: DeclaredPath) {
  return (req: Request, _res: Response): void => {
    throw new HttpProblem(
      "method_not_allowed",
      `${req.method} is not allowed on ${req.path}; allowed methods are ${allow}.`,
      { headers: { Allow: allow } },
    );
  };
}
