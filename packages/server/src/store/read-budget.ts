import { ServiceError } from "../domain/errors.js";

/**
 * PostgreSQL's 57014 query_canceled after the statement ran for its whole budget: its
 * statement_timeout ended it. An operator's pg_cancel_backend is the same SQLSTATE sooner,
 * and stays an outage. Told apart by the time taken, not by the message, whose language
 * follows the server's lc_messages.
 */
export function isStatementTimeout(error: unknown, elapsedMs: number, budgetMs: number): boolean {
  if (typeof error !== "object" || error === null) return false;
  return (error as { code?: unknown }).code === "57014" && elapsedMs >= budgetMs * 0.9;
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
