import { createTestDatabase, type TestDatabase, waitFor } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import type { Store } from "../../src/store/types.js";

describe.skipIf(!process.env.DATABASE_URL)("the read pool's budget (PostgreSQL)", () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase("postgres", { migrated: false });
    store = await db.open({ reads: { poolSize: 2, timeoutMs: 200 } });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("when a read runs over its budget, then it is query_too_expensive (400), not unavailable", async () => {
    const reads = store.reads as Store;
    const error = await reads.query("SELECT pg_sleep(2)").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: "query_too_expensive", status: 400 });
    expect((error as ServiceError).detail).toContain("200 ms");
    // The connection is fine afterwards.
    await expect(reads.query("SELECT 1 AS one")).resolves.toEqual([{ one: 1 }]);
  });

  it("when reads fill the read pool, then the store's own connections still answer", async () => {
    const patient = await db.open({ reads: { poolSize: 2, timeoutMs: 10_000 } });
    const reads = patient.reads as Store;
    // Long enough that the pool is still full after the store's query, however slow the
    // machine is to answer it.
    const slow = [1, 2, 3].map(() => reads.query("SELECT pg_sleep(1)"));
    await waitFor(() => reads.poolStats?.().waiting === 1, "the third read to wait", 5_000);
    expect(reads.poolStats?.()).toMatchObject({ total: 2, idle: 0, waiting: 1 });
    await expect(patient.query("SELECT 2 AS two")).resolves.toEqual([{ two: 2 }]);
    expect(reads.poolStats?.()).toMatchObject({ waiting: 1 });
    await Promise.all(slow);
    await patient.close();
  });

  it("when an operator cancels a read, then it is unavailable (503), not the read's fault", async () => {
    const patient = await db.open({ reads: { poolSize: 1, timeoutMs: 10_000 } });
    const reads = patient.reads as Store;
    const running = reads
      .query("SELECT pg_sleep(1) /* cancel me */")
      .catch((caught: unknown) => caught);
    // Cancelled once it runs (a loaded machine may take a while to start it).
    for (let tries = 0; tries < 200; tries++) {
      const cancelled = await store.query(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%cancel me%' AND state = 'active' AND pid <> pg_backend_pid()",
      );
      if (cancelled.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await running).toMatchObject({ code: "unavailable" });
    await patient.close();
  });

  it("when an abortable read's signal aborts, then its statement is cancelled in the database, it fails with the signal's reason and its connection is not reused", async () => {
    const patient = await db.open({ reads: { poolSize: 1, timeoutMs: 10_000 } });
    const reads = patient.reads as Store;
    const pidOf = async (on: Store) =>
      (await on.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"))[0]?.pid;
    const before = await pidOf(reads);
    const controller = new AbortController();
    const gone = new ServiceError("too_many_reads", "gone");
    const abortable = reads.abortable?.(controller.signal) as Store;
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    const running = abortable
      .query("SELECT pg_sleep(10) /* abort me */")
      .catch((caught: unknown) => caught);
    const abortMe =
      "SELECT pid FROM pg_stat_activity WHERE query LIKE '%abort me%' AND state = 'active' AND pid <> pg_backend_pid()";
    // Aborted once it runs (a loaded machine may take a while to start it).
    await waitFor(
      async () => (await store.query(abortMe)).length > 0,
      "the statement to run",
      1_500,
    );
    const abortedAt = Date.now();
    controller.abort(gone);
    expect(await running).toBe(gone);
    expect(Date.now() - abortedAt).toBeLessThan(1_500);
    // A cancelled backend sends its error before it marks itself idle, so its row may stay
    // active a moment after the client has the error; left to run, it would stay for 10 s.
    await waitFor(
      async () => (await store.query(abortMe)).length === 0,
      "the aborted statement to stop in the database",
      2_000,
    );
    await expect(abortable.query("SELECT 1")).rejects.toBe(gone);
    // The pool's one connection was closed, not handed to the next read.
    const after = await pidOf(reads);
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
    // Nothing on the process's stderr (node-postgres's own cancel reads a deprecated getter).
    process.off("warning", onWarning);
    expect(warnings).toEqual([]);
    await patient.close();
  });

  it("when an abortable read's signal aborts while it waits for a connection, then its statement never runs", async () => {
    const patient = await db.open({ reads: { poolSize: 1, timeoutMs: 10_000 } });
    const reads = patient.reads as Store;
    const busy = reads.query("SELECT pg_sleep(0.3)");
    const controller = new AbortController();
    const gone = new ServiceError("too_many_reads", "gone");
    const abortable = reads.abortable?.(controller.signal) as Store;
    const waiting = abortable
      .query("SELECT pg_sleep(3) /* never run */")
      .catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(gone);
    await busy;
    expect(await waiting).toBe(gone);
    const ran = await store.query(
      "SELECT pid FROM pg_stat_activity WHERE query LIKE '%never run%' AND pid <> pg_backend_pid()",
    );
    expect(ran).toEqual([]);
    await patient.close();
  });

  it("when an abortable read finished before its signal aborts, then nothing is cancelled", async () => {
    const reads = store.reads as Store;
    const controller = new AbortController();
    const abortable = reads.abortable?.(controller.signal) as Store;
    await expect(abortable.query("SELECT 1 AS one")).resolves.toEqual([{ one: 1 }]);
    controller.abort();
    await expect(reads.query("SELECT 2 AS two")).resolves.toEqual([{ two: 2 }]);
  });

  it("the read view shares the store's identity (root) and closing the store ends both pools", async () => {
    expect(store.reads?.root).toBe(store);
    const other = await db.open({ reads: { poolSize: 1 } });
    const reads = other.reads as Store;
    await reads.query("SELECT 1");
    expect(reads.poolStats?.()).toMatchObject({ total: 1, max: 1 });
    await other.close();
    expect(reads.poolStats?.().total).toBe(0);
    await expect(reads.query("SELECT 1")).rejects.toBeDefined();
  });
});
