import {
  type EventSelection,
  predicateSql,
  SqlParams,
  selectionConditions,
} from "./event-selection.js";
import { EVENT_COLUMNS, type PageRead } from "./events.js";
import type { Queryable, Row } from "./types.js";

/** The conditions of the selection but its `search`, and the cursor's bound. */
function otherConditions(selection: EventSelection, read: PageRead, params: SqlParams): string {
  const { search: _search, ...others } = selection.filters;
  const where = selectionConditions({ ...selection, filters: others }, params);
  if (read.afterSeq !== undefined) {
    where.push(`seq ${read.ascending ? ">" : "<"} ${params.add(read.afterSeq)}`);
  }
  return where.join(" AND ");
}

/**
 * A page of a search narrowed by other filters, looked for among the `window` events nearest
 * the cursor that match those other filters (read through their own index, in seq order),
 * the text tested on those rows alone. A search with one actor or one workspace then costs
 * that actor's or workspace's nearest rows, not the trigram posting lists of the whole
 * project, which grow with it (issue 12). `exhausted` says the other filters matched fewer
 * than `window` events there, so a short page is complete.
 */
export async function readSearchWithinRows(
  db: Queryable,
  selection: EventSelection,
  read: PageRead,
  window: number,
): Promise<{ rows: Row[]; exhausted: boolean }> {
  const direction = read.ascending ? "ASC" : "DESC";
  const params = new SqlParams();
  const nearest = `SELECT * FROM events WHERE ${otherConditions(selection, read, params)}
    ORDER BY seq ${direction} LIMIT ${window}`;
  const search = selection.filters.search ?? "";
  const text = predicateSql({ filter: "search", value: search }, params);
  const rows = await db.query(
    `SELECT ${EVENT_COLUMNS} FROM (${nearest}) AS events WHERE ${text}
     ORDER BY seq ${direction} LIMIT ${read.limit}`,
    params.values,
  );
  if (rows.length >= read.limit) return { rows, exhausted: false };
  const counted = new SqlParams();
  const [count] = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM events
      WHERE ${otherConditions(selection, read, counted)} LIMIT ${window}) AS nearest`,
    counted.values,
  );
  return { rows, exhausted: Number(count?.n ?? 0) < window };
}
