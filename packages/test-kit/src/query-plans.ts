import type { Queryable } from "./server-source.js";

export type PlanNode = Record<string, unknown>;

/** Every node of an EXPLAIN (ANALYZE, FORMAT JSON) plan, the plan's own first. */
export function planNodes(node: PlanNode): PlanNode[] {
  const children = (node.Plans as PlanNode[] | undefined) ?? [];
  return [node, ...children.flatMap(planNodes)];
}

/**
 * A Queryable over `db` that runs each statement `explained` picks under
 * EXPLAIN (ANALYZE, FORMAT JSON), keeping its plan in `plans`. EXPLAIN ANALYZE executes the
 * statement but returns no rows: `rows: "again"` then runs it a second time for its rows
 * (a read), `rows: "none"` answers no rows (a write must not run twice).
 */
export function explainingQueries(
  db: Queryable,
  explained: (sql: string) => boolean,
  rows: "again" | "none",
): { db: Queryable; plans: PlanNode[] } {
  const plans: PlanNode[] = [];
  const explaining = {
    query: async (sql: string, params?: readonly unknown[]) => {
      if (!explained(sql)) return db.query(sql, params);
      const [row] = await db.query<{ "QUERY PLAN": unknown }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      );
      const plan = row?.["QUERY PLAN"];
      const parsed = (typeof plan === "string" ? JSON.parse(plan) : plan) as { Plan: PlanNode }[];
      plans.push((parsed[0] as { Plan: PlanNode }).Plan);
      return rows === "again" ? db.query(sql, params) : [];
    },
  } as Queryable;
  return { db: explaining, plans };
}
