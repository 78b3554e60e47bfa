import type { Event } from "@chronicle/types";
import {
  type EventSelection,
  isSingleIndexWalk,
  isTimeWindowOnly,
  SqlParams,
  selectionConditions,
} from "./event-selection.js";
import type { TreeHashRuns } from "./merkle.js";
import { prepared } from "./prepared.js";
import type { Queryable, Row } from "./types.js";

/** A timestamptz as PostgreSQL formats it for the wire: what toISOString gives, made there. */
const wireTime = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

/**
 * The columns eventToWire reads (services/events/event-row.ts). The times come as wire
 * text, so a page or an export does not parse each into a Date to format it back
 * (bench/FINDINGS.md B6).
 */
export const EVENT_COLUMNS = `seq, id, action, actor_type, actor_id, actor_name, actor_email,
  on_behalf_of, target_type, target_id, target_name, targets, workspace_id, summary, metadata,
  changes, changed_fields, context, outcome, reason, correlation_id, api_version, schema_version,
  ${wireTime("occurred_at")}, ${wireTime("created_at")},
  prev_hash, hash`;

// --- Reads ---------------------------------------------------------------------------------

const EVENT_BY_ID = prepared(
  `SELECT ${EVENT_COLUMNS} FROM events WHERE project_id = $1 AND id = $2`,
);

export async function findEventRow(
  db: Queryable,
  projectId: string,
  eventId: string,
): Promise<Row | undefined> {
  const [row] = await db.query(EVENT_BY_ID, [projectId, eventId]);
  return row;
}

/** The seq of the project's newest event, 0 when it has none (one step down the primary key). */
export async function newestSeq(db: Queryable, projectId: string): Promise<number> {
  const [row] = await db.query<{ seq: number | string }>(
    "SELECT seq FROM events WHERE project_id = $1 ORDER BY seq DESC LIMIT 1",
    [projectId],
  );
  return row ? Number(row.seq) : 0;
}

/** The seq of the project's oldest event kept (0 without events). */
export async function oldestSeq(db: Queryable, projectId: string): Promise<number> {
  const [row] = await db.query<{ seq: number | string }>(
    "SELECT seq FROM events WHERE project_id = $1 ORDER BY seq LIMIT 1",
    [projectId],
  );
  return row ? Number(row.seq) : 0;
}

/** The project's last reserved seq; undefined when there is no such project. */
export async function projectLastSeq(
  db: Queryable,
  projectId: string,
): Promise<number | undefined> {
  const [project] = await db.query<{ last_seq: number }>(
    "SELECT last_seq FROM projects WHERE project_id = $1",
    [projectId],
  );
  return project ? Number(project.last_seq) : undefined;
}

/**
 * The read's cursor as a test on the rows the filters' own indexes find (`seq + 0`), never a
 * range of the primary key, which would read every event past the cursor instead of the
 * matches; none without a cursor.
 */
export function pastCursorByFilters(read: PageRead, params: SqlParams): string[] {
  if (read.afterSeq === undefined) return [];
  return [`seq + 0 ${read.ascending ? ">" : "<"} ${params.add(read.afterSeq)}`];
}

/**
 * How many events the selection matches, counting no further than `cap`; with `past`, only
 * those past its cursor (pastCursorByFilters).
 */
export async function countSelectedUpTo(
  db: Queryable,
  selection: EventSelection,
  cap: number,
  past?: PageRead,
): Promise<number> {
  const params = new SqlParams();
  const where = selectionConditions(selection, params);
  if (past !== undefined) where.push(...pastCursorByFilters(past, params));
  const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE ${where.join(" AND ")}
     LIMIT ${cap}) AS matches`;
  const [row] = await db.query<{ n: number }>(
    isTimeWindowOnly(selection) ? prepared(sql) : sql,
    params.values,
  );
  return Number(row?.n ?? 0);
}

export async function countSelected(db: Queryable, selection: EventSelection): Promise<number> {
  const params = new SqlParams();
  const where = selectionConditions(selection, params);
  const [count] = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM events WHERE ${where.join(" AND ")}`,
    params.values,
  );
  return Number(count?.n ?? 0);
}

/**
 * How a page is read:
 * - `walk`: down seq from the cursor, filtering as it goes;
 * - `pick`: the page's seqs first, through the filter's own index ("seq + 0" keeps the
 *   planner off a walk down the primary key), index-only for a bare time window, then just
 *   those rows, instead of every row of the window (bench/FINDINGS.md B8). The seqs are
 *   handed over as an array, not joined (`seq IN (…)`): the join's estimate came from the
 *   partitioned parent's statistics, which autovacuum never gathers, so it was 5,000 × the
 *   page and PostgreSQL compiled the plan with JIT on every execution, and each of the page's
 *   seqs was looked up in every partition (B32);
 * - `walk-nearest`: a walk bounded to the `window` seqs next to the cursor or, on a first
 *   page, next to the start (ascending) or the end (descending) of the project.
 */
export type PagePlan =
  | { kind: "walk" }
  | { kind: "pick" }
  | { kind: "walk-nearest"; window: number };

export interface PageRead {
  ascending: boolean;
  /** Rows to read (the page size plus one, to tell whether there is more). */
  limit: number;
  /** Only seqs past this one, in the read's direction. */
  afterSeq?: number;
}

/**
 * The page reads prepared are those of the usual page sizes (the rows read are the size plus
 * one): the LIMIT stays a literal because with `LIMIT $n` PostgreSQL prices a generic plan as
 * if it read 10 % of the matches and never chooses it over a custom plan (0 generic plans in
 * 7 executions at 1 M events, bench/FINDINGS.md B27), so each plan would be made anew, and a
 * limit's value in the text must not let a tenant cycling `limit=` fill the bounded registry
 * (store/prepared.ts). Other sizes are planned each time, as unprepared reads are.
 */
export const PREPARED_PAGE_ROWS: ReadonlySet<number> = new Set([11, 21, 26, 51, 101, 201]);

export async function readPageRows(
  db: Queryable,
  selection: EventSelection,
  read: PageRead,
  plan: PagePlan,
): Promise<Row[]> {
  const { ascending, limit, afterSeq } = read;
  const params = new SqlParams();
  const where = selectionConditions(selection, params);
  if (afterSeq !== undefined) where.push(`seq ${ascending ? ">" : "<"} ${params.add(afterSeq)}`);
  const direction = ascending ? "ASC" : "DESC";
  if (plan.kind === "pick") {
    const sql = `SELECT ${EVENT_COLUMNS} FROM events
     WHERE project_id = $1 AND seq = ANY(ARRAY(SELECT seq FROM events WHERE ${where.join(" AND ")}
       ORDER BY seq + 0 ${direction} LIMIT ${limit}))
     ORDER BY seq ${direction}`;
    const preparable = isTimeWindowOnly(selection) && PREPARED_PAGE_ROWS.has(limit);
    return db.query(preparable ? prepared(sql) : sql, params.values);
  }
  if (plan.kind === "walk-nearest")
    where.push(nearestSeqs(ascending, afterSeq, plan.window, params));
  const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(" AND ")}
     ORDER BY seq ${direction} LIMIT ${limit}`;
  const preparable =
    plan.kind === "walk" && isSingleIndexWalk(selection) && PREPARED_PAGE_ROWS.has(limit);
  const walk = preparable ? prepared(sql) : sql;
  return db.query(walk, params.values);
}

/**
 * The window's far bound, given as a subquery even when it is known: a bound the planner can
 * read tells it the window holds few matches, so it reads the whole window and sorts it
 * (partitions by receipt time give no seq order to append) where walking each partition's
 * primary key backwards stops at the page's last row (0.6 ms against 5.5 ms for a common
 * text's page in a 5,100-seq window, bench/FINDINGS.md B54).
 */
function nearestSeqs(
  ascending: boolean,
  cursorSeq: number | undefined,
  window: number,
  params: SqlParams,
): string {
  if (ascending) {
    const bound =
      cursorSeq === undefined
        ? `(SELECT coalesce(min(seq), 0) FROM events WHERE project_id = $1) + ${window}`
        : `(SELECT ${params.add(cursorSeq + window)}::bigint)`;
    return `seq <= ${bound}`;
  }
  const bound =
    cursorSeq === undefined
      ? `(SELECT last_seq FROM projects WHERE project_id = $1) - ${window}`
      : `(SELECT ${params.add(cursorSeq - window)}::bigint)`;
  return `seq > ${bound}`;
}

/** A range of seqs read in ascending order: (afterSeq, upToSeq], at most `limit` events. */
export interface SeqRange {
  afterSeq: number;
  upToSeq?: number;
  limit: number;
}

/** The selected events of a seq range, seq ascending. */
export async function selectedRowsInRange(
  db: Queryable,
  selection: EventSelection,
  range: SeqRange,
): Promise<Row[]> {
  const params = new SqlParams();
  const where = selectionConditions(selection, params);
  where.push(`seq > ${params.add(range.afterSeq)}`);
  if (range.upToSeq !== undefined) where.push(`seq <= ${params.add(range.upToSeq)}`);
  return db.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(" AND ")}
     ORDER BY seq ASC LIMIT ${range.limit}`,
    params.values,
  );
}

/** The `count` events from `firstSeq` on, in seq order (fewer when some were purged). */
export function rowsFromSeq(
  db: Queryable,
  projectId: string,
  firstSeq: number,
  count: number,
): Promise<Row[]> {
  return db.query(
    `SELECT ${EVENT_COLUMNS} FROM events
       WHERE project_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
    [projectId, firstSeq, firstSeq + count],
  );
}

// --- Appends -------------------------------------------------------------------------------

/** The end of a project's hash chain: its last seq, that event's hash and receipt time. */
export interface ChainHead {
  lastSeq: number;
  lastHash: string | null;
  /** Wire time (ISO, ms) of the last event's receipt; null before the first one. */
  lastCreatedAt: string | null;
}

const CHAIN_HEAD = prepared(
  "SELECT last_seq, last_hash, last_created_at, frontier_idx, frontier_hash FROM chronicle_chain_head($1, $2)",
);

/**
 * The project's chain head and its tree's frontier: the stored hashes (hex, by index) of the
 * complete subtrees of [0, last_seq) that exist, read after the head (migration 0029), in
 * one round trip; undefined when there is no such project. With `lock` the project row
 * stays locked until the caller's transaction ends (for appends made inside a larger
 * transaction, and appends that lost the head too often).
 */
export async function readChainHeadWithFrontier(
  db: Queryable,
  projectId: string,
  lock: boolean,
): Promise<{ head: ChainHead; frontier: Map<number, string> } | undefined> {
  const [row] = await db.query<{
    last_seq: number | string | null;
    last_hash: string | null;
    last_created_at: string | null;
    frontier_idx: (number | string)[] | null;
    frontier_hash: string[] | null;
  }>(CHAIN_HEAD, [projectId, lock]);
  if (!row || row.last_seq === null) return undefined;
  const frontier = new Map<number, string>();
  (row.frontier_idx ?? []).forEach((index, i) => {
    frontier.set(Number(index), (row.frontier_hash as string[])[i] as string);
  });
  return {
    head: {
      lastSeq: Number(row.last_seq),
      lastHash: row.last_hash,
      lastCreatedAt: row.last_created_at,
    },
    frontier,
  };
}

/** A chained event and what its row stores besides the event. */
export interface EventToRecord {
  event: Event;
  targetKeys: string[];
  searchText: string;
}

/** Events [firstSeq, firstSeq + count) of an append were produced under an idempotency key. */
export interface KeyedSeqs {
  key: string;
  /** The fingerprint of the request that used the key. */
  requestHash: string;
  firstSeq: number;
  count: number;
}

export interface ChainedAppend {
  projectId: string;
  /** The head the events were chained from. */
  expected: ChainHead;
  /** In seq order, the first one right after the expected head. */
  events: EventToRecord[];
  /** The receipt time of the batch (created_at of every event, catalog last_seen_at). */
  createdAt: string;
  keyed: readonly KeyedSeqs[];
  /** Keys found live but with nothing usable recorded (their events were purged): taken over. */
  retake: readonly string[];
  /** The Merkle tree's hashes this append adds (services/integrity/merkle-store.ts). */
  tree: TreeHashRuns;
  /**
   * Commit without waiting for the WAL flush: only for an append that is its own
   * transaction and whose caller waits for `flushWal` before it answers.
   */
  flushedLater: boolean;
}

/**
 * What `chronicle_append` (migration 0009) answered: `ok` (recorded; `head` is the new head),
 * `moved` (`head` is the current head, not the expected one), `keys_used` (`usedKeys` are
 * live), `clock` (the receipt time was refused) or `missing` (no such project). Nothing is
 * written unless `ok`. With `clock`, `databaseTime` is the database's clock as it answered.
 */
export interface AppendAnswer {
  status: "ok" | "moved" | "keys_used" | "clock" | "missing";
  head: ChainHead;
  usedKeys: string[];
  databaseTime: string | null;
}

/** Prepared: parsing and binding it unnamed was a sixth of a single event's database time. */
const APPEND =
  prepared(`SELECT status, last_seq, last_hash, last_created_at, used_keys, database_time
  FROM chronicle_append($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13,
    $14)`);

/**
 * The row of `events` an event is stored as, by column name: the actor and the target are
 * spread over their columns, every other member of the event is the column of its name.
 * The members are named one by one in one literal (the type fails when the event gains
 * one): spreading them into the row took 25 µs per event, an eighth of a 100-event batch's
 * CPU (bench/FINDINGS.md B45).
 */
function rowOf(projectId: string, { event, targetKeys, searchText }: EventToRecord) {
  const { actor, target } = event;
  const row = {
    id: event.id,
    seq: event.seq,
    action: event.action,
    targets: event.targets,
    workspace_id: event.workspace_id,
    summary: event.summary,
    metadata: event.metadata,
    changes: event.changes,
    changed_fields: event.changed_fields,
    context: event.context,
    outcome: event.outcome,
    reason: event.reason,
    correlation_id: event.correlation_id,
    api_version: event.api_version,
    schema_version: event.schema_version,
    occurred_at: event.occurred_at,
    created_at: event.created_at,
    prev_hash: event.prev_hash,
    hash: event.hash,
    project_id: projectId,
    actor_type: actor.type,
    actor_id: actor.id,
    actor_name: actor.name,
    actor_email: actor.email,
    on_behalf_of: actor.on_behalf_of,
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    target_name: target?.name ?? null,
    target_keys: targetKeys,
    search_text: searchText,
  };
  return row satisfies Omit<Event, "actor" | "target">;
}

/** Distinct non-null values and how often each occurs, for the catalog counters. */
function tally(values: (string | null)[]): [string[], number[]] {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [[...counts.keys()], [...counts.values()]];
}

/**
 * Records chained events in one statement (`chronicle_append`, migration 0009): the head
 * moves by compare-and-set, and the rows, the idempotency records, the Merkle tree's new
 * hashes and the catalog counters are written with it, or nothing is.
 */
export async function appendChained(db: Queryable, append: ChainedAppend): Promise<AppendAnswer> {
  const events = append.events.map((item) => item.event);
  const [actions, actionCounts] = tally(events.map((event) => event.action));
  const [workspaces, workspaceCounts] = tally(events.map((event) => event.workspace_id));
  const [row] = await db.query<{
    status: AppendAnswer["status"];
    last_seq: number | string | null;
    last_hash: string | null;
    last_created_at: string | null;
    used_keys: string[] | null;
    database_time: string | null;
  }>(APPEND, [
    append.projectId,
    append.expected.lastSeq,
    append.expected.lastHash,
    append.createdAt,
    JSON.stringify(append.events.map((item) => rowOf(append.projectId, item))),
    JSON.stringify(
      append.keyed.map((range) => ({
        key: range.key,
        request_hash: range.requestHash,
        first_seq: range.firstSeq,
        event_count: range.count,
      })),
    ),
    append.retake,
    append.tree.firstIndexes,
    append.tree.hashes,
    actions,
    actionCounts,
    workspaces,
    workspaceCounts,
    append.flushedLater,
  ]);
  if (!row) throw new Error("chronicle_append returned no row");
  return {
    status: row.status,
    head: {
      lastSeq: Number(row.last_seq ?? 0),
      lastHash: row.last_hash,
      lastCreatedAt: row.last_created_at,
    },
    usedKeys: row.used_keys ?? [],
    databaseTime: row.database_time,
  };
}
