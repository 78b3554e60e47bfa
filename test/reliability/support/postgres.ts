import { randomBytes } from "node:crypto";
import pg from "pg";

/** The cluster the suite runs against (`DATABASE_URL`); the PostgreSQL cases skip without it. */
export const POSTGRES_URL: string | undefined = process.env.DATABASE_URL?.trim() || undefined;

export interface ReliabilityDatabase {
  /** The database's name, `chronicle_rel_<label>_<random>`. */
  name: string;
  /** Connection string to this database (direct, not through a proxy). */
  url: string;
  /** Host and port of the cluster, for pointing a TCP proxy at it. */
  host: string;
  port: number;
  /** Runs one statement in this database on a short-lived connection. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  /**
   * Terminates every other session connected to this database (`pg_terminate_backend`), as a
   * failover or an administrator would; resolves to how many were terminated.
   */
  terminateConnections(): Promise<number>;
  /** Drops the database (sessions included). */
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function onConnection<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A terminated session must fail this call, not the test process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh, empty database on the `DATABASE_URL` cluster (migrated by the first server that
 * starts on it). `label` names the case, so a leftover database says where it came from.
 */
export async function createReliabilityDatabase(label: string): Promise<ReliabilityDatabase> {
  if (!POSTGRES_URL) throw new Error("DATABASE_URL is not set");
  const adminUrl = POSTGRES_URL;
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 24);
  const name = `chronicle_rel_${safeLabel}_${randomBytes(4).toString("hex")}`;
  await onConnection(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl, name);
  const parsed = new URL(url);
  return {
    name,
    url,
    host: parsed.hostname || "127.0.0.1",
    port: Number(parsed.port || 5432),
    query: (sql, params = []) =>
      onConnection(url, async (client) => (await client.query(sql, params)).rows),
    terminateConnections: () =>
      onConnection(adminUrl, async (client) => {
        const { rows } = await client.query<{ terminated: boolean }>(
          `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [name],
        );
        return rows.filter((row) => row.terminated).length;
      }),
    drop: () =>
      onConnection(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ).then(() => undefined),
  };
}
