import type { Event } from "@chronicle/types";
import { invalidParameter, notFound } from "../../domain/errors.js";
import type { EventFilters, ListOptions, ListScope, Page } from "../../domain/types.js";
import type { Queryable, Row, Store } from "../../store/types.js";
import { type CursorPayload, decodeCursor, encodeCursor } from "./cursors.js";
import { filterConditions, filterDigest, SqlParams } from "./event-filters.js";
import { EVENT_COLUMNS, eventToWire } from "./event-row.js";

const EVENTS_SCOPE: ListScope = { kind: "events" };
export const EXPORT_BATCH = 1000;

export async function getEvent(store: Store, projectId: string, eventId: string): Promise<Event> {
  const [row] = await store.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE project_id = $1 AND id = $2`,
    [projectId, eventId],
  );
  if (!row) throw notFound("Event");
  return eventToWire(row);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw invalidParameter("limit must be an integer from 1 to 200", {
      pointer: "/query/limit",
      detail: "must be an integer from 1 to 200",
      code: "maximum",
    });
  }
  return limit;
}

/** Below this many matches, a filter is read through its own index and then sorted. */
const NARROW = 5000;
/** How many seqs next to the cursor a changed_field page walks before it asks the index. */
const CHANGED_FIELD_WINDOW = 5000;

async function countUpTo(db: Queryable, projectId: string, filters: EventFilters): Promise<number> {
  const params = new SqlParams();
  const where = filterConditions(projectId, filters, EVENTS_SCOPE, params);
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE ${where.join(" AND ")}
     LIMIT ${NARROW}) AS matches`,
    params.values,
  );
  return Number(row?.n ?? 0);
}

/**
 * The CHANGED_FIELD_WINDOW seqs a page walks first: next to the cursor or, on a first page,
 * next to the start (asc) or the end (desc) of the project.
 */
function nearestSeqs(ascending: boolean, cursorSeq: number | undefined, params: SqlParams) {
  if (ascending) {
    const bound =
      cursorSeq === undefined
        ? `(SELECT coalesce(min(seq), 0) FROM events WHERE project_id = $1) + ${CHANGED_FIELD_WINDOW}`
        : params.add(cursorSeq + CHANGED_FIELD_WINDOW);
    return `seq <= ${bound}`;
  }
  const bound =
    cursorSeq === undefined
      ? `(SELECT last_seq FROM projects WHERE project_id = $1) - ${CHANGED_FIELD_WINDOW}`
      : params.add(cursorSeq - CHANGED_FIELD_WINDOW);
  return `seq > ${bound}`;
}

/**
 * Whether a time window selects few events, so the page should come from the occurred_at
 * index rather than from a walk down seq: occurred_at is the client's clock and does not
 * follow seq (an old window may lie behind millions of newer rows), which the planner
 * cannot know. A capped count on that index (index-only: it carries seq) tells the cases
 * apart. changed_field gets no probe (it cost a 5000-row bitmap heap scan, B9): listEvents
 * tries a bounded walk first instead.
 */
async function isNarrowSelection(
  store: Store,
  projectId: string,
  filters: EventFilters,
): Promise<boolean> {
  if (filters.start_time === undefined && filters.end_time === undefined) return false;
  const window = { start_time: filters.start_time, end_time: filters.end_time };
  return (await countUpTo(store, projectId, window)) < NARROW;
}

/**
 * A keyset page over seq (docs/design.md, "Cursors and pages"). A `before` cursor is
 * fetched in reverse and flipped so `data` is always in the requested order.
 */
export async function listEvents(
  store: Store,
  projectId: string,
  filters: EventFilters,
  options: ListOptions = {},
): Promise<Page<Event>> {
  const order = options.order ?? "desc";
  const limit = checkLimit(options.limit ?? 50);
  const scope = options.scope ?? EVENTS_SCOPE;
  const bound = { p: projectId, e: scope.kind, f: filterDigest(filters, scope, order) };
  const cursor = options.cursor ? await decodeCursor(store, options.cursor, bound) : null;
  const backward = cursor?.k === "before";
  const ascending = (order === "asc") !== backward;

  const params = new SqlParams();
  const where = filterConditions(projectId, filters, scope, params);
  const totalParams = [...params.values];
  const totalWhere = [...where];
  if (cursor) where.push(`seq ${ascending ? ">" : "<"} ${params.add(cursor.s)}`);
  const narrow = await isNarrowSelection(store, projectId, filters);
  const direction = ascending ? "ASC" : "DESC";
  const walk = (conditions: string[]) =>
    `SELECT ${EVENT_COLUMNS} FROM events WHERE ${conditions.join(" AND ")}
     ORDER BY seq ${direction} LIMIT ${limit + 1}`;
  // A narrow selection picks the page's seqs first ("seq + 0" keeps the planner off a walk
  // down the primary key), index-only for a bare time window, and then fetches just those
  // rows, instead of every row of the window (bench/FINDINGS.md B8).
  const pick = (conditions: string[]) =>
    `SELECT ${EVENT_COLUMNS} FROM events
     WHERE project_id = $1 AND seq IN (SELECT seq FROM events WHERE ${conditions.join(" AND ")}
       ORDER BY seq + 0 ${direction} LIMIT ${limit + 1})
     ORDER BY seq ${direction}`;
  let rows: Row[];
  if (narrow) {
    rows = await store.query(pick(where), params.values);
  } else if (filters.changed_field !== undefined) {
    // The planner cannot tell a rare changed_field from a common one, so the page is first
    // looked for among the nearest CHANGED_FIELD_WINDOW seqs (a bounded walk, enough for a
    // common field) and only then through the GIN index (cheap for a rare one).
    const near = new SqlParams();
    for (const value of params.values) near.add(value);
    const window = nearestSeqs(ascending, cursor?.s, near);
    rows = await store.query(walk([...where, window]), near.values);
    if (rows.length <= limit) rows = await store.query(pick(where), params.values);
  } else {
    rows = await store.query(walk(where), params.values);
  }
  const hasMore = rows.length > limit;
  const pageRows = rows.slice(0, limit);
  if (backward) pageRows.reverse();
  const data = pageRows.map(eventToWire);

  const make = (k: CursorPayload["k"], s: number) =>
    encodeCursor(store, { v: 1, ...bound, k, s: Math.max(0, s) });
  const first = data[0];
  const last = data[data.length - 1];
  // One step towards the start of the page order from seq s (to include s itself).
  const towardsStart = (s: number) => (order === "asc" ? s - 1 : s + 1);
  let next: string | null = null;
  let prev: string | null = null;
  if (cursor && backward) {
    next = await make("after", last ? last.seq : towardsStart(cursor.s));
    prev = hasMore && first ? await make("before", first.seq) : null;
  } else {
    if (hasMore && last) next = await make("after", last.seq);
    else if (order === "asc") next = await make("after", last?.seq ?? cursor?.s ?? 0);
    if (cursor) {
      prev = first
        ? await make("before", first.seq)
        : await make("before", order === "asc" ? cursor.s + 1 : cursor.s - 1);
    }
  }

  const page: Page<Event> = { data, has_more: hasMore, next_cursor: next, prev_cursor: prev };
  if (options.includeTotal) {
    const [count] = await store.query<{ n: number }>(
      `SELECT count(*) AS n FROM events WHERE ${totalWhere.join(" AND ")}`,
      totalParams,
    );
    page.total = Number(count?.n ?? 0);
  }
  return page;
}

/** Events after `afterSeq` in seq order: the live tail's read, resumed from Last-Event-ID. */
export async function eventsAfterSeq(
  store: Store,
  projectId: string,
  filters: EventFilters,
  afterSeq: number,
  limit: number,
  scope: ListScope = EVENTS_SCOPE,
): Promise<Event[]> {
  const params = new SqlParams();
  const where = filterConditions(projectId, filters, scope, params);
  where.push(`seq > ${params.add(afterSeq)}`);
  const rows = await store.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(" AND ")}
     ORDER BY seq ASC LIMIT ${Math.max(1, Math.floor(limit))}`,
    params.values,
  );
  return rows.map(eventToWire);
}

/**
 * Every matching event in seq order, read in keyset batches so memory stays flat, up to the
 * project's last_seq when iteration starts (a snapshot of an append-only log). No database
 * cursor stays open between batches, so a consumer that stops (return()) releases nothing.
 */
export async function* exportEvents(
  store: Store,
  projectId: string,
  filters: EventFilters,
  scope: ListScope = EVENTS_SCOPE,
): AsyncGenerator<Event, void, undefined> {
  const [project] = await store.query<{ last_seq: number }>(
    "SELECT last_seq FROM projects WHERE project_id = $1",
    [projectId],
  );
  if (!project) throw notFound("Project");
  const upTo = Number(project.last_seq);
  let after = 0;
  for (;;) {
    const params = new SqlParams();
    const where = filterConditions(projectId, filters, scope, params);
    where.push(`seq > ${params.add(after)}`, `seq <= ${params.add(upTo)}`);
    const rows: Row[] = await store.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(" AND ")}
       ORDER BY seq ASC LIMIT ${EXPORT_BATCH}`,
      params.values,
    );
    for (const row of rows) yield eventToWire(row);
    const last = rows[rows.length - 1];
    if (rows.length < EXPORT_BATCH || !last) return;
    after = Number(last.seq);
  }
}
