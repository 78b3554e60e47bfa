import { ServiceError } from "../domain/errors.js";

/**
 * PostgreSQL's 57014 query_canceled, when its statement_timeout ended it (an operator's
 * pg_cancel_backend is the same SQLSTATE, "due to user request", and stays an outage).
 */
export function isStatementTimeout(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "57014" && typeof message === "string" && /statement timeout/.test(message);
}

/**
 * A read that ran out of its budget: it would run out again, so it is a 400 a client
 * should not retry as it is, rather than a 503.
 */
export function queryTooExpensive(budgetMs: number): ServiceError {
  const seconds = budgetMs >= 1000 ? `${Math.round(budgetMs / 100) / 10} s` : `${budgetMs} ms`;
  return new ServiceError(
    "query_too_expensive",
    `This read did not finish within the server's read budget (${seconds}); narrow it with a time range or a more selective filter (an actor, a target, a workspace)`,
  );
}
