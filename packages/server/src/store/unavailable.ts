import { ServiceError } from "../domain/errors.js";

/** Socket-level failures: the database host is down, unreachable or dropped us. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs that say "not now" rather than "never": the request may succeed when retried.
 * Class 08 connection exception; 53 insufficient resources (53300 too_many_connections);
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now ("the database
 * system is not accepting connections"), 57P04 database_dropped, 57014 query_canceled
 * (statement_timeout); 25P03 idle_in_transaction_session_timeout; 40001
 * serialization_failure and 40P01 deadlock_detected.
 */
const TRANSIENT_SQLSTATE = /^(08...|53...|57P0[1-4]|57014|25P03|40001|40P01)$/;

/** What node-postgres and pg-pool throw, without a code, when a connection is lost or never made. */
const LOST_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|Cannot use a pool after calling end|connection timeout/i;

/** True when `error` means the database is (for now) out of reach, not that the request is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ServiceError) return error.code === "unavailable";
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || TRANSIENT_SQLSTATE.test(code))) {
    return true;
  }
  if (error instanceof Error && LOST_CONNECTION_MESSAGES.test(error.message)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isDatabaseUnavailable(cause);
}

/** The 503 a client gets for it: the details stay in the log, not on the wire. */
export function unavailableError(): ServiceError {
  return new ServiceError("unavailable", "The database is unreachable or overloaded; retry later");
}

/** Database outages become `unavailable`; every other error is passed on as it is. */
export function translateDatabaseError(error: unknown): unknown {
  if (error instanceof ServiceError) return error;
  return isDatabaseUnavailable(error) ? unavailableError() : error;
}
