import { createPostgresDatabase, POSTGRES_URL, type PostgresDatabase } from "@chronicle/test-kit";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startTcpProxy } from "./support/index.js";

// The fault cases lean on these helpers; this checks that a cut really cuts.
describe.skipIf(!POSTGRES_URL)("reliability helpers on PostgreSQL", () => {
  let database: PostgresDatabase | undefined;
  afterAll(async () => {
    await database?.drop();
  });

  it("forwards through the proxy, then refuses and black-holes when cut", async () => {
    database = await createPostgresDatabase("harness");
    const proxy = await startTcpProxy({ host: database.host, port: database.port });
    try {
      const connectTimeout = 1_000;
      const open = () => {
        const client = new pg.Client({
          connectionString: proxy.rewrite(database?.url ?? ""),
          connectionTimeoutMillis: connectTimeout,
        });
        client.on("error", () => undefined);
        return client;
      };
      const first = open();
      await first.connect();
      expect((await first.query("SELECT 1 AS one")).rows[0].one).toBe(1);

      proxy.cut("refuse");
      await expect(first.query("SELECT 1")).rejects.toThrow();
      await expect(open().connect()).rejects.toThrow();

      proxy.cut("blackhole");
      const started = Date.now();
      await expect(open().connect()).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(connectTimeout - 50);

      proxy.restore();
      const again = open();
      await again.connect();
      expect((await again.query("SELECT 2 AS two")).rows[0].two).toBe(2);
      await again.end();
    } finally {
      await proxy.close();
    }
  });

  it("terminates the database's sessions", async () => {
    database ??= await createPostgresDatabase("harness");
    const client = new pg.Client({ connectionString: database.url });
    client.on("error", () => undefined);
    await client.connect();
    expect(await database.terminateConnections()).toBeGreaterThanOrEqual(1);
    await expect(client.query("SELECT 1")).rejects.toThrow();
  });
});
