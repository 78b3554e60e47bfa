import {
  containsPattern,
  type EventSelection,
  predicateSql,
  SqlParams,
  selectionConditions,
} from "./event-selection.js";
import { EVENT_COLUMNS, type PageRead } from "./events.js";
import type { Queryable, Row } from "./types.js";

/** A filter tested on the rows the selection's other filters find first. */
export type WithinFilter = "search" | "changed_field";

/** The conditions of the selection but its `tested` filter, and the cursor's bound. */
function otherConditions(
  selection: EventSelection,
  tested: WithinFilter,
  read: PageRead,
  params: SqlParams,
): string {
  const others = { ...selection.filters, [tested]: undefined };
  const where = selectionConditions({ ...selection, filters: others }, params);
  if (read.afterSeq !== undefined) {
    where.push(`seq ${read.ascending ? ">" : "<"} ${params.add(read.afterSeq)}`);
  }
  return where.join(" AND ");
}

/**
 * A page of a search (or a changed_field) narrowed by other filters, looked for among the
 * `window` events nearest the cursor that match those other filters (read through their
 * own index, in seq order), the tested filter checked on those rows alone. A search with
 * one actor or one workspace then costs that actor's or workspace's nearest rows, not the
 * trigram posting lists of the whole project, which grow with it (issue 12); a changed
 * field within a workspace costs the workspace's nearest rows, not every row of the
 * workspace sorted (bench/FINDINGS.md B25). `exhausted` says the other filters matched
 * fewer than `window` events there, so a short page is complete.
 */
export async function readWithinRows(
  db: Queryable,
  selection: EventSelection,
  tested: WithinFilter,
  read: PageRead,
  window: number,
): Promise<{ rows: Row[]; exhausted: boolean }> {
  const direction = read.ascending ? "ASC" : "DESC";
  const params = new SqlParams();
  const nearest = `SELECT * FROM events WHERE ${otherConditions(selection, tested, read, params)}
    ORDER BY seq ${direction} LIMIT ${window}`;
  const value = selection.filters[tested] ?? "";
  const test = predicateSql({ filter: tested, value }, params);
  const rows = await db.query(
    `SELECT ${EVENT_COLUMNS} FROM (${nearest}) AS events WHERE ${test}
     ORDER BY seq ${direction} LIMIT ${read.limit}`,
    params.values,
  );
  if (rows.length >= read.limit) return { rows, exhausted: false };
  const counted = new SqlParams();
  const [count] = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM events
      WHERE ${otherConditions(selection, tested, read, counted)} LIMIT ${window}) AS nearest`,
    counted.values,
  );
  return { rows, exhausted: Number(count?.n ?? 0) < window };
}

/**
 * The share of the project's newest `sample` events whose search text holds each of
 * `words` (lower-cased): how common a word of a search is, from rows the primary key reads
 * in order.
 */
export async function searchWordShares(
  db: Queryable,
  projectId: string,
  words: readonly string[],
  sample: number,
): Promise<number[]> {
  if (words.length === 0) return [];
  const params = new SqlParams();
  params.add(projectId);
  const counts = words.map(
    (word, n) =>
      `count(*) FILTER (WHERE search_text LIKE ${params.add(containsPattern(word))}) AS w${n}`,
  );
  const [row] = await db.query<Record<string, number | string>>(
    `SELECT count(*) AS total, ${counts.join(", ")} FROM (
       SELECT search_text FROM events WHERE project_id = $1 ORDER BY seq DESC LIMIT ${params.add(sample)}
     ) AS newest`,
    params.values,
  );
  const total = Number(row?.total ?? 0);
  return words.map((_, n) => (total === 0 ? 0 : Number(row?.[`w${n}`] ?? 0) / total));
}
