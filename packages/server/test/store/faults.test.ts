import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import { checkReadiness } from "../../src/services/system/health.js";
import { isDatabaseUnavailable, migrate, openStore, type Store } from "../../src/store/index.js";
import { LATEST_MIGRATION } from "../../src/store/migrate.js";

const adminUrl = process.env.DATABASE_URL;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function isUnavailable(error: unknown): boolean {
  return error instanceof ServiceError && error.code === "unavailable";
}

describe.skipIf(!adminUrl)("the PostgreSQL store under faults", () => {
  const name = `chronicle_test_faults_${randomBytes(4).toString("hex")}`;
  let url: string;
  let store: Store;

  beforeAll(async () => {
    await admin((client) => client.query(`CREATE DATABASE ${name}`));
    const parsed = new URL(adminUrl as string);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    store = await openStore({
      databaseUrl: url,
      poolSize: 2,
      timeouts: { connectTimeoutMs: 2_000, statementTimeoutMs: 500 },
    });
  });

  afterAll(async () => {
    await store?.close();
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  it("when a pooled connection runs a statement, then JIT is off for it", async () => {
    const [row] = await store.query<{ jit: string }>("SELECT current_setting('jit') AS jit");
    expect(row?.jit).toBe("off");
  });

  it("when the operator sets PGOPTIONS, then its settings apply beside JIT off and win over it", async () => {
    const before = process.env.PGOPTIONS;
    process.env.PGOPTIONS = "-c enable_bitmapscan=off -c jit=on";
    let configured: Store | undefined;
    try {
      configured = await openStore({ databaseUrl: url, poolSize: 1 });
      const [row] = await configured.query<{ bitmap: string; jit: string }>(
        "SELECT current_setting('enable_bitmapscan') AS bitmap, current_setting('jit') AS jit",
      );
      expect(row).toEqual({ bitmap: "off", jit: "on" });
    } finally {
      if (before === undefined) delete process.env.PGOPTIONS;
      else process.env.PGOPTIONS = before;
      await configured?.close();
    }
  });

  it("when the database is not migrated, then readiness is unavailable; once migrated, it reports the schema", async () => {
    await expect(checkReadiness(store)).rejects.toSatisfy(isUnavailable);
    // Migrated through a store of its own: this one's 500 ms statement timeout is for the
    // faults below, and a migration's statement may take longer on a loaded machine.
    const migrator = await openStore({ databaseUrl: url, poolSize: 1 });
    try {
      await migrate(migrator);
    } finally {
      await migrator.close();
    }
    await expect(checkReadiness(store)).resolves.toEqual({ schemaVersion: LATEST_MIGRATION });
  });

  it("when a session is terminated between two statements of a transaction, then the transaction fails as unavailable and the store keeps working", async () => {
    const attempt = store.transaction(async (tx) => {
      const [row] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await admin((client) => client.query("SELECT pg_terminate_backend($1)", [row?.pid]));
      // The 'error' event of the checked-out connection arrives here, with no query running.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await tx.query("SELECT 1");
    });
    await expect(attempt).rejects.toSatisfy(isUnavailable);
    await expect(store.query("SELECT 1 AS one")).resolves.toEqual([{ one: 1 }]);
  });

  it("when a statement outlives the statement timeout, then it is cancelled and answered as unavailable", async () => {
    await expect(store.query("SELECT pg_sleep(5)")).rejects.toSatisfy(isUnavailable);
    await expect(store.query("SELECT 2 AS two")).resolves.toEqual([{ two: 2 }]);
  });

  it("classifies refusals, shutdowns and overload as unavailable, and SQL errors as they are", () => {
    for (const code of ["ECONNREFUSED", "57P01", "57P03", "53300", "08006", "57014", "40001"]) {
      expect(isDatabaseUnavailable(Object.assign(new Error(code), { code })), code).toBe(true);
    }
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("dup"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("x is undefined"))).toBe(false);
  });
});
