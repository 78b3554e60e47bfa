import {
  countingQueries,
  newProject,
  openTestStore,
  STORE_KINDS,
  type Store,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaseSize, RequestLimiter } from "../../src/services/access/request-limiter.js";

/** Waits, if needed, so that the next few seconds stay in one minute of the database's clock. */
async function awayFromMinuteEnd(store: Store): Promise<void> {
  const [row] = await store.query<{ s: number }>(
    "SELECT extract(second FROM clock_timestamp())::float8 AS s",
  );
  const seconds = Number(row?.s ?? 0);
  if (seconds > 45) await new Promise((resolve) => setTimeout(resolve, (61 - seconds) * 1000));
}

describe("lease sizes", () => {
  it("when the limit grows, then a reservation is a twentieth of it, from 1 to 100", () => {
    expect([1, 5, 20, 60, 600, 2_000, 100_000].map(leaseSize)).toEqual([1, 1, 1, 3, 30, 100, 100]);
  });
});

describe.each(STORE_KINDS)("request limits without a write per request (%s)", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a credential sends requests, then the limit holds and one write serves a lease of them", async () => {
    await awayFromMinuteEnd(t.store);
    const { projectId } = await newProject(t.store);
    const { store, queries } = countingQueries(t.store);
    const limiter = new RequestLimiter(store);
    const decisions = [];
    for (let n = 0; n < 620; n++) decisions.push(await limiter.consume(projectId, "key_a", 600));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(600);
    expect(decisions.slice(600).every((d) => !d.allowed && d.remaining === 0)).toBe(true);
    expect(decisions[0]).toMatchObject({ allowed: true, limit: 600, remaining: 599 });
    expect(decisions[599]).toMatchObject({ allowed: true, remaining: 0 });
    expect(decisions[619]?.resetSeconds).toBeGreaterThanOrEqual(1);
    expect(decisions[619]?.resetSeconds).toBeLessThanOrEqual(60);
    // 600 / 30 reservations, and the refused ones cost none once the window is used up.
    expect(queries()).toBe(20);
    const row = await t.store.query<{ count: number }>(
      "SELECT count FROM rate_limits WHERE project_id = $1 AND subject = 'key_a'",
      [projectId],
    );
    expect(row.map((r) => Number(r.count))).toEqual([600]);
    // Another credential has a budget of its own.
    expect((await limiter.consume(projectId, "key_b", 600)).allowed).toBe(true);
  });

  it("when several processes share a credential's limit, then together they never admit more than it", async () => {
    await awayFromMinuteEnd(t.store);
    const { projectId } = await newProject(t.store);
    const others = kind === "postgres" ? await Promise.all([t.reopen(), t.reopen()]) : [];
    const limiters = [t.store, ...others, t.store].map((store) => new RequestLimiter(store));
    const limit = 100;
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, n) =>
        (limiters[n % limiters.length] as RequestLimiter).consume(projectId, "key_c", limit),
      ),
    );
    const allowed = results.filter((result) => result.allowed).length;
    expect(allowed).toBeLessThanOrEqual(limit);
    // Every process kept asking until refused: no lease is left unused.
    expect(allowed).toBe(limit);
  });

  it("when a process has units left and another is refused, then the shortfall is less than a lease per process", async () => {
    await awayFromMinuteEnd(t.store);
    const { projectId } = await newProject(t.store);
    const limit = 100;
    const lease = leaseSize(limit);
    const idle = new RequestLimiter(t.store);
    const busy = new RequestLimiter(t.store);
    // The idle process serves one request and keeps the rest of its lease.
    expect((await idle.consume(projectId, "key_d", limit)).allowed).toBe(true);
    let allowed = 0;
    for (let n = 0; n < 200; n++)
      if ((await busy.consume(projectId, "key_d", limit)).allowed) allowed++;
    expect(allowed).toBe(limit - lease);
    expect(allowed + 1).toBeGreaterThanOrEqual(limit - (lease - 1));
  });
});
