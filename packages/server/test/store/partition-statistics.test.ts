import { openTestStore, STORE_KINDS, type TestStore } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventPartitions } from "../../src/store/event-partitions.js";

async function partitionsWithoutStatistics(t: TestStore): Promise<string[]> {
  const rows = await t.store.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass
       AND (SELECT count(*) FROM pg_statistic_ext s WHERE s.stxrelid = c.oid) < 3`,
  );
  return rows.map((row) => row.name);
}

describe.each(STORE_KINDS)("statistics of the partial indexes' expressions on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the schema is migrated and a partition is added, then every partition has statistics on the trace id, IP address and on-behalf-of id expressions", async () => {
    expect(await partitionsWithoutStatistics(t)).toEqual([]);
    const created = await createEventPartitions(
      t.store,
      "month",
      new Date("2031-01-01T00:00:00Z"),
      new Date("2031-03-01T00:00:00Z"),
    );
    expect(created).toBeGreaterThan(0);
    expect(await partitionsWithoutStatistics(t)).toEqual([]);
    const expressions = await t.store.query<{ expr: string }>(
      `SELECT pg_get_statisticsobjdef_expressions(s.oid)::text AS expr FROM pg_statistic_ext s
       WHERE s.stxrelid = 'events_default'::regclass ORDER BY 1`,
    );
    expect(expressions.map((row) => row.expr).join(" ")).toMatch(
      /trace_id.*ip_address|ip_address.*trace_id/,
    );
  });
});
