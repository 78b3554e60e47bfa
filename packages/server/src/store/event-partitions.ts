import type { Queryable } from "./types.js";

/** A range partition of `events` (migration 0008): rows received in [lower, upper). */
export interface EventPartition {
  name: string;
  lower: Date;
  upper: Date;
}

export type PartitionWidth = "day" | "week" | "month";

/** The range partitions of `events`, oldest first. */
export async function selectEventPartitions(db: Queryable): Promise<EventPartition[]> {
  const rows = await db.query<{ name: string; lower_bound: Date; upper_bound: Date }>(
    "SELECT name, lower_bound, upper_bound FROM chronicle_event_partitions()",
  );
  return rows.map((row) => ({
    name: row.name,
    lower: new Date(row.lower_bound),
    upper: new Date(row.upper_bound),
  }));
}

/**
 * Creates the partitions [from, until) needs beyond the existing ones, through the owner's
 * function (which moves the default partition's rows for each range into it); how many.
 */
export async function createEventPartitions(
  db: Queryable,
  width: PartitionWidth,
  from: Date,
  until: Date,
): Promise<number> {
  const [row] = await db.query<{ created: number }>(
    "SELECT chronicle_create_event_partitions($1, $2, $3) AS created",
    [width, from.toISOString(), until.toISOString()],
  );
  return Number(row?.created ?? 0);
}

export interface DroppedPartitionProject {
  project_id: string;
  purged: number;
  checkpoint_seq: number;
}

/**
 * Detaches the partition when every row in it is past its project's retention on the
 * database's removal clock and is that project's next prefix, moving each project's
 * checkpoint to its last row there and recording it in `operator_log` (migration 0015);
 * one entry per project whose events went (none when it stayed, or was empty). A lock not
 * granted within `lockTimeoutMs` fails with SQLSTATE 55P03 (`isLockTimeout`). The detached
 * table's files go with `dropExpiredEventPartitions`, after this transaction let go of the
 * lock on `events` (migration 0013).
 */
export async function dropEventPartition(
  db: Queryable,
  name: string,
  lockTimeoutMs: number,
): Promise<DroppedPartitionProject[]> {
  const rows = await db.query<{ project_id: string; purged: string; checkpoint_seq: string }>(
    "SELECT project_id, purged, checkpoint_seq FROM chronicle_drop_event_partition($1, $2)",
    [name, `${Math.max(1, Math.round(lockTimeoutMs))}ms`],
  );
  return rows.map((row) => ({
    project_id: row.project_id,
    purged: Number(row.purged),
    checkpoint_seq: Number(row.checkpoint_seq),
  }));
}

/** Drops the tables of partitions `dropEventPartition` detached; how many. */
export async function dropExpiredEventPartitions(db: Queryable): Promise<number> {
  const [row] = await db.query<{ dropped: number }>(
    "SELECT chronicle_drop_expired_event_partitions() AS dropped",
  );
  return Number(row?.dropped ?? 0);
}

/** Whether a database error is a lock not granted within `lock_timeout`. */
export function isLockTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "55P03";
}

/** The schema pg_partman is installed in, when it is. */
export async function selectPartmanSchema(db: Queryable): Promise<string | undefined> {
  const [row] = await db.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
     WHERE x.extname = 'pg_partman'`,
  );
  return row?.schema;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function eventsTable(db: Queryable): Promise<string> {
  const [row] = await db.query<{ schema: string }>("SELECT current_schema() AS schema");
  return `${row?.schema ?? "public"}.events`;
}

/** Whether pg_partman's configuration lists `events`. */
export async function partmanManagesEvents(db: Queryable, schema: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM ${quoteIdent(schema)}.part_config WHERE parent_table = $1`,
    [await eventsTable(db)],
  );
  return rows.length > 0;
}

/** pg_partman's interval for a width: the one under which it names partitions as 0008 does. */
const PARTMAN_INTERVAL: Record<PartitionWidth, string> = {
  day: "1 day",
  week: "weekly",
  month: "1 month",
};

/**
 * Hands `events` to pg_partman: its create_parent makes the default partition itself, so the
 * (empty) one of migration 0008 goes first; existing partitions carry the names pg_partman
 * gives, so it keeps them and creates what `ahead` needs from `start` (the oldest one's
 * start). Partitions are made ahead of the clock whether or not rows arrived
 * (`infinite_time_partitions`). Retention stays Chronicle's (it is per project). False when
 * the default partition holds rows (they need their partitions first).
 */
export async function handEventsToPartman(
  db: Queryable,
  schema: string,
  width: PartitionWidth,
  ahead: number,
  start: Date,
): Promise<boolean> {
  const table = await eventsTable(db);
  const waiting = await db.query("SELECT 1 FROM events_default LIMIT 1");
  if (waiting.length > 0) return false;
  await db.query("DROP TABLE events_default");
  await db.query(
    `SELECT ${quoteIdent(schema)}.create_parent(p_parent_table := $1, p_control := 'created_at',
       p_type := 'native', p_interval := $2, p_premake := $3, p_start_partition := $4)`,
    [table, PARTMAN_INTERVAL[width], ahead, start.toISOString()],
  );
  await db.query(
    `UPDATE ${quoteIdent(schema)}.part_config SET infinite_time_partitions = true
     WHERE parent_table = $1`,
    [table],
  );
  return true;
}

/** pg_partman's maintenance of `events` (partitions ahead of the clock). */
export async function runPartmanMaintenance(db: Queryable, schema: string): Promise<void> {
  await db.query(`SELECT ${quoteIdent(schema)}.run_maintenance(p_parent_table := $1)`, [
    await eventsTable(db),
  ]);
}

/**
 * Puts the append-only guard on every partition of `events` that lacks it (those pg_partman
 * made); how many. Owner only.
 */
export async function guardEventPartitions(db: Queryable): Promise<number> {
  const rows = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                       WHERE t.tgrelid = c.oid AND t.tgname = 'events_append_only')`,
  );
  for (const { name } of rows) {
    await db.query("SELECT chronicle_guard_event_partition($1)", [name]);
  }
  return rows.length;
}
