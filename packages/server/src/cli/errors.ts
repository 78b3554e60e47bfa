import { connectionFailure } from "../store/probe.js";

/** A mistake in how the command was called: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure the user can act on, reported as one line (no stack unless --verbose). */
export class CliFailure extends Error {
  override name = "CliFailure";
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `host:port/database` of a connection string, without its credentials. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const database = url.pathname.replace(/^\//, "") || "(default database)";
    return `${url.hostname || "localhost"}:${url.port || "5432"}/${database}`;
  } catch {
    return "(a DATABASE_URL that is not a URL)";
  }
}

/** The innermost message of an error chain: what actually went wrong. */
export function causeOf(error: unknown): string {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && current.cause !== undefined && !seen.has(current.cause)) {
    seen.add(current);
    current = current.cause;
  }
  if (current instanceof AggregateError && current.errors.length > 0) {
    return causeOf(current.errors[0]);
  }
  if (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    return code && !current.message.includes(code)
      ? `${current.message} (${code})`
      : current.message;
  }
  return String(current);
}

/**
 * Why PostgreSQL at `databaseUrl` cannot be used, asked of the server itself with one plain
 * connection: the store reports an outage as `unavailable`, which says nothing of the cause.
 */
export async function probeDatabase(databaseUrl: string): Promise<string | undefined> {
  const failure = await connectionFailure(databaseUrl);
  return failure === undefined ? undefined : causeOf(failure);
}
