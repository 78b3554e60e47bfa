import { randomBytes } from "node:crypto";
import pg from "pg";

/** The cluster the PostgreSQL cases run against (`DATABASE_URL`); they skip without it. */
export const POSTGRES_URL: string | undefined = process.env.DATABASE_URL?.trim() || undefined;

/** A database of its own on the `DATABASE_URL` cluster. */
export interface PostgresDatabase {
  /** The database's name, `chronicle_<label>_<random>`. */
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

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function onConnection<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
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

export function adminUrl(serverUrl: string | undefined = POSTGRES_URL): string {
  if (!serverUrl) throw new Error("DATABASE_URL is not set");
  return serverUrl;
}

/**
 * A fresh database on the `DATABASE_URL` cluster: empty, or a copy of `template`. `label`
 * names the case, so a leftover database says where it came from.
 */
export async function createPostgresDatabase(
  label: string,
  options: {
    template?: string;
    /** The cluster to create it on (default `DATABASE_URL`). */
    serverUrl?: string;
  } = {},
): Promise<PostgresDatabase> {
  const admin = adminUrl(options.serverUrl);
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 24);
  const name = `chronicle_${safeLabel}_${randomBytes(4).toString("hex")}`;
  const template = options.template ? ` TEMPLATE ${options.template}` : "";
  await onConnection(admin, (client) => client.query(`CREATE DATABASE ${name}${template}`));
  const url = withDatabase(admin, name);
  const parsed = new URL(url);
  return {
    name,
    url,
    host: parsed.hostname || "127.0.0.1",
    port: Number(parsed.port || 5432),
    query: (sql, params = []) =>
      onConnection(url, async (client) => (await client.query(sql, params)).rows),
    terminateConnections: () =>
      onConnection(admin, async (client) => {
        const { rows } = await client.query<{ terminated: boolean }>(
          `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [name],
        );
        return rows.filter((row) => row.terminated).length;
      }),
    drop: () =>
      onConnection(admin, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ).then(() => undefined),
  };
}
