import pg from "pg";

/**
 * What stops one plain connection to PostgreSQL at `databaseUrl`, or undefined when it
 * connects: the store reports an outage as `unavailable`, which says nothing of the cause.
 */
export async function connectionFailure(databaseUrl: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error ?? new Error("connection refused");
  } finally {
    await client.end().catch(() => undefined);
  }
}
