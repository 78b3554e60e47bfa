import {
  type EventSelection,
  isTimeWindowOnly,
  SqlParams,
  selectionConditions,
} from "./event-selection.js";
import { EVENT_COLUMNS, type PageRead, PREPARED_PAGE_ROWS, pastCursorByFilters } from "./events.js";
import { prepared } from "./prepared.js";
import type { Queryable, Row } from "./types.js";

/** A time window's size (counted up to a cap) and, when it is under the cap, its page. */
export interface WindowPage {
  /** How many events the window holds past the cursor, counted no further than the cap. */
  matches: number;
  /** The page's rows in the read's order; empty when the window reached the cap. */
  rows: Row[];
}

/**
 * A selection's matches past the cursor, read in one statement: their seqs, at most `cap` of
 * them (a time window's from the occurred_at index alone, which carries seq); their count;
 * and, only when the count is under the cap, the page's seqs picked from those and just
 * their rows fetched. A count and then a pick cost two round trips and two scans of the
 * same index range (bench/FINDINGS.md B32). There is always one row, so an empty page
 * still tells the window's size: a page of events has `seq` set. Only a time window alone
 * is prepared: a generic plan cannot weigh a search's text.
 */
export async function readWindowPage(
  db: Queryable,
  selection: EventSelection,
  read: PageRead,
  cap: number,
): Promise<WindowPage> {
  const { ascending, limit } = read;
  const params = new SqlParams();
  const where = [...selectionConditions(selection, params), ...pastCursorByFilters(read, params)];
  const direction = ascending ? "ASC" : "DESC";
  const sql = `WITH window_seqs AS MATERIALIZED (
       SELECT seq FROM events WHERE ${where.join(" AND ")} LIMIT ${cap}),
     window_size AS (SELECT count(*) AS n FROM window_seqs)
     SELECT window_size.n AS window_matches, page.* FROM window_size
     LEFT JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM events
       WHERE project_id = $1 AND seq = ANY(ARRAY(SELECT seq FROM window_seqs
         WHERE (SELECT n FROM window_size) < ${cap} ORDER BY seq ${direction} LIMIT ${limit}))) AS page ON true
     ORDER BY page.seq ${direction}`;
  const rows = await db.query<Row & { window_matches: number | string | bigint }>(
    isTimeWindowOnly(selection) && PREPARED_PAGE_ROWS.has(limit) ? prepared(sql) : sql,
    params.values,
  );
  const matches = Number(rows[0]?.window_matches ?? 0);
  const page: Row[] = [];
  for (const { window_matches: _, ...row } of rows) {
    if (row.seq !== null && row.seq !== undefined) page.push(row);
  }
  return { matches, rows: page };
}
