import type { Queryable } from "./server-source.js";

export type PlanNode = Record<string, unknown>;

/** Every node of an EXPLAIN (ANALYZE, FORMAT JSON) plan, the plan's own first. */
export function planNodes(node: PlanNode): PlanNode[] {
  const children = (node.Plans as PlanNode[] | undefined) ?? [];
  return [node, ...children.flatMap(planNodes)];
}

/**
 * A view of `db` that runs each statement `explained` picks under
 * EXPLAIN (ANALYZE, FORMAT JSON), keeping its plan in `plans`. EXPLAIN ANALYZE executes the
 * statement but returns no rows: `rows: "again"` then runs it a second time for its rows
 * (a read), `rows: "none"` answers no rows (a write must not run twice).
 */
export function explainingQueries<T extends Queryable>(
  db: T,
  explained: (sql: string) => boolean,
  rows: "again" | "none",
): { db: T; plans: PlanNode[] } {
  const plans: PlanNode[] = [];
  const query = async (sql: string, params?: readonly unknown[]) => {
    if (!explained(sql)) return db.query(sql, params);
    const [row] = await db.query<{ "QUERY PLAN": unknown }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      params,
    );
    const plan = row?.["QUERY PLAN"];
    const parsed = (typeof plan === "string" ? JSON.parse(plan) : plan) as { Plan: PlanNode }[];
    plans.push((parsed[0] as { Plan: PlanNode }).Plan);
    return rows === "again" ? db.query(sql, params) : [];
  };
  // A view of `db` (a store keeps its caches); tenants' reads too go through `query`, not
  // through the store's own read view.
  const explaining = Object.create(db, { query: { value: query }, reads: { value: undefined } });
  return { db: explaining as T, plans };
}

const SCANS = new Set(["Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"]);

/** Rows the plans' scans read from their tables or indexes: returned or filtered out. */
export function rowsScanned(plans: readonly PlanNode[]): number {
  let rows = 0;
  for (const node of plans.flatMap(planNodes)) {
    if (!SCANS.has(String(node["Node Type"]))) continue;
    const read =
      Number(node["Actual Rows"] ?? 0) +
      Number(node["Rows Removed by Filter"] ?? 0) +
      Number(node["Rows Removed by Index Recheck"] ?? 0);
    rows += read * Number(node["Actual Loops"] ?? 1);
  }
  return rows;
}
