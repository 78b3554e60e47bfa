import type { Event } from "@chronicle/types";
import { type EventSelection, SqlParams, selectionConditions } from "./event-selection.js";
import { insertTreeHashesSql, type TreeHashRows } from "./merkle.js";
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

export async function findEventRow(
  db: Queryable,
  projectId: string,
  eventId: string,
): Promise<Row | undefined> {
  const [row] = await db.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE project_id = $1 AND id = $2`,
    [projectId, eventId],
  );
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

/** How many events the selection matches, counting no further than `cap`. */
export async function countSelectedUpTo(
  db: Queryable,
  selection: EventSelection,
  cap: number,
): Promise<number> {
  const params = new SqlParams();
  const where = selectionConditions(selection, params);
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE ${where.join(" AND ")}
     LIMIT ${cap}) AS matches`,
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
 *   those rows, instead of every row of the window (bench/FINDINGS.md B8);
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
    return db.query(
      `SELECT ${EVENT_COLUMNS} FROM events
     WHERE project_id = $1 AND seq IN (SELECT seq FROM events WHERE ${where.join(" AND ")}
       ORDER BY seq + 0 ${direction} LIMIT ${limit})
     ORDER BY seq ${direction}`,
      params.values,
    );
  }
  if (plan.kind === "walk-nearest")
    where.push(nearestSeqs(ascending, afterSeq, plan.window, params));
  return db.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(" AND ")}
     ORDER BY seq ${direction} LIMIT ${limit}`,
    params.values,
  );
}

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
        : params.add(cursorSeq + window);
    return `seq <= ${bound}`;
  }
  const bound =
    cursorSeq === undefined
      ? `(SELECT last_seq FROM projects WHERE project_id = $1) - ${window}`
      : params.add(cursorSeq - window);
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

export interface ReservedSeqs {
  /** The last seq of the reserved range. */
  lastSeq: number;
  /** The chain head before the range. */
  lastHash: string | null;
  /** The database's clock under the project lock. */
  receivedAt: Date;
}

/**
 * Reserves `count` seqs of the project, taking its row lock until commit (so seq is
 * gap-free and in commit order); undefined when there is no such project.
 */
export async function reserveSeqs(
  tx: Queryable,
  projectId: string,
  count: number,
): Promise<ReservedSeqs | undefined> {
  const [head] = await tx.query<{ last_seq: number; last_hash: string | null; received_at: Date }>(
    `UPDATE projects SET last_seq = last_seq + $2 WHERE project_id = $1
     RETURNING last_seq, last_hash, clock_timestamp() AS received_at`,
    [projectId, count],
  );
  if (!head) return undefined;
  return { lastSeq: Number(head.last_seq), lastHash: head.last_hash, receivedAt: head.received_at };
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
  firstSeq: number;
  count: number;
}

export interface RecordedAppend {
  projectId: string;
  /** In seq order, the first right after the reserved range's start. */
  events: EventToRecord[];
  /** The new chain head: the last event's hash. */
  lastHash: string | null;
  /** The receipt time of the batch (created_at of every event, catalog last_seen_at). */
  createdAt: string;
  keyed: readonly KeyedSeqs[];
  /** The NOTIFY channel of appends, and the last seq it announces. */
  channel: string;
  lastSeq: number;
  /** The Merkle tree's hashes this append adds (services/integrity/merkle-store.ts). */
  tree: TreeHashRows;
}

/**
 * Everything after the seq range is reserved, in one statement (one round trip under the
 * project lock, bench/FINDINGS.md B1): the rows, the chain head, the Merkle tree's new
 * hashes, the catalog counters, the idempotency records (one per key in $12) and the live
 * tail's signal, delivered at commit so a tail woken by it always finds the rows.
 */
const RECORD_EVENTS = `
WITH inserted AS (
  INSERT INTO events (project_id, seq, id, action, actor_type, actor_id, actor_name,
    actor_email, on_behalf_of, target_type, target_id, target_name, targets, target_keys,
    workspace_id, summary, metadata, changes, changed_fields, context, outcome, reason,
    correlation_id, api_version, schema_version, occurred_at, created_at, prev_hash, hash,
    search_text)
  SELECT $1, r.seq, r.id, r.action, r.actor_type, r.actor_id, r.actor_name, r.actor_email,
    r.on_behalf_of, r.target_type, r.target_id, r.target_name, r.targets, r.target_keys,
    r.workspace_id, r.summary, r.metadata, r.changes, r.changed_fields, r.context,
    r.outcome, r.reason, r.correlation_id, r.api_version, r.schema_version,
    r.occurred_at, r.created_at, r.prev_hash, r.hash, r.search_text
  FROM jsonb_to_recordset($2::jsonb) AS r(seq bigint, id text, action text, actor_type text,
    actor_id text, actor_name text, actor_email text, on_behalf_of jsonb, target_type text,
    target_id text, target_name text, targets jsonb, target_keys text[], workspace_id text,
    summary text, metadata jsonb, changes jsonb, changed_fields text[], context jsonb,
    outcome text, reason text, correlation_id text, api_version text, schema_version integer,
    occurred_at timestamptz, created_at timestamptz, prev_hash text, hash text,
    search_text text)
  RETURNING 1
), chain_head AS (
  UPDATE projects SET last_hash = $3 WHERE project_id = $1
), action_counts AS (
  INSERT INTO actions (project_id, action, count, first_seen_at, last_seen_at)
  SELECT $1, a.action, a.n, $8, $8 FROM unnest($4::text[], $5::bigint[]) AS a(action, n)
  ON CONFLICT (project_id, action) DO UPDATE SET
    count = actions.count + excluded.count,
    first_seen_at = coalesce(actions.first_seen_at, excluded.first_seen_at),
    last_seen_at = excluded.last_seen_at
), workspace_counts AS (
  INSERT INTO workspaces (project_id, workspace_id, count, first_seen_at, last_seen_at)
  SELECT $1, w.id, w.n, $8, $8 FROM unnest($6::text[], $7::bigint[]) AS w(id, n)
  ON CONFLICT (project_id, workspace_id) DO UPDATE SET
    count = workspaces.count + excluded.count,
    last_seen_at = excluded.last_seen_at
), idempotency AS (
  UPDATE idempotency_keys AS k SET first_seq = r.first_seq, event_count = r.n
  FROM unnest($12::text[], $9::bigint[], $10::integer[]) AS r(key, first_seq, n)
  WHERE k.project_id = $1 AND k.key = r.key
), tree AS (
  ${insertTreeHashesSql(14, 15)}
)
SELECT pg_notify($11, $1 || ':' || $13::text)`;

/** The row of `events` (jsonb_to_recordset's record) an event is stored as. */
function rowOf({ event, targetKeys, searchText }: EventToRecord): Record<string, unknown> {
  return {
    seq: event.seq,
    id: event.id,
    action: event.action,
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    actor_name: event.actor.name,
    actor_email: event.actor.email,
    on_behalf_of: event.actor.on_behalf_of,
    target_type: event.target?.type ?? null,
    target_id: event.target?.id ?? null,
    target_name: event.target?.name ?? null,
    targets: event.targets,
    target_keys: targetKeys,
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
    search_text: searchText,
  };
}

/** Distinct non-null values and how often each occurs, for the catalog counters. */
function tally(values: (string | null)[]): [string[], number[]] {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [[...counts.keys()], [...counts.values()]];
}

/** Records an append whose seqs were reserved (reserveSeqs), inside the same transaction. */
export async function recordAppend(tx: Queryable, append: RecordedAppend): Promise<void> {
  const events = append.events.map((item) => item.event);
  const [actions, actionCounts] = tally(events.map((event) => event.action));
  const [workspaces, workspaceCounts] = tally(events.map((event) => event.workspace_id));
  await tx.query(RECORD_EVENTS, [
    append.projectId,
    JSON.stringify(append.events.map(rowOf)),
    append.lastHash,
    actions,
    actionCounts,
    workspaces,
    workspaceCounts,
    append.createdAt,
    append.keyed.map((range) => range.firstSeq),
    append.keyed.map((range) => range.count),
    append.channel,
    append.keyed.map((range) => range.key),
    append.lastSeq,
    append.tree.indexes,
    append.tree.hashes,
  ]);
}
