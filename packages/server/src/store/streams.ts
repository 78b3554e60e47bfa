import type { Queryable, Row } from "./types.js";

const STREAM_COLUMNS = `project_id, stream_id, name, destination_type, destination, credentials,
  filters, batch, status, paused_reason, cursor_seq, pending_id, pending_last_seq, attempts,
  failing_since, next_attempt_at, last_error, last_delivery_at, lease_owner, created_at, updated_at`;

const DELIVERY_COLUMNS = `delivery_id, kind, attempted_at, message_id, first_seq, last_seq,
  event_count, status_code, latency_ms, outcome, error`;

/** A new stream; destination, filters and batching as JSON text, credentials sealed. */
export interface NewStream {
  projectId: string;
  streamId: string;
  name: string;
  destinationType: string;
  destination: string;
  credentials: string;
  filters: string;
  batch: string;
  cursorSeq: number;
}

/** What an update changes; absent fields stay as they are. */
export interface StreamChanges {
  name?: string;
  filters?: string;
  batch?: string;
  destination?: { type: string; destination: string; credentials: string };
  /** Drops the pinned batch (it was cut for the old filters, limits or destination). */
  unpin?: boolean;
  /** `paused`: paused as requested; `active`: resumed with its failure state cleared. */
  status?: "paused" | "active";
}

/** One delivery attempt to record. */
export interface NewDelivery {
  projectId: string;
  streamId: string;
  deliveryId: string;
  kind: string;
  messageId: string;
  firstSeq: number | null;
  lastSeq: number | null;
  eventCount: number;
  statusCode: number | null;
  latencyMs: number;
  outcome: "delivered" | "failed";
  error: string | null;
}

export async function insertStream(tx: Queryable, stream: NewStream): Promise<Row> {
  const [row] = await tx.query(
    `INSERT INTO streams (project_id, stream_id, name, destination_type, destination, credentials,
       filters, batch, status, cursor_seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9) RETURNING ${STREAM_COLUMNS}`,
    [
      stream.projectId,
      stream.streamId,
      stream.name,
      stream.destinationType,
      stream.destination,
      stream.credentials,
      stream.filters,
      stream.batch,
      stream.cursorSeq,
    ],
  );
  return row as Row;
}

/**
 * How many streams the project has, with the project's stream creations serialised until the
 * transaction `tx` ends (so that two at once cannot both pass a limit).
 */
export async function countStreamsLocked(tx: Queryable, projectId: string): Promise<number> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('chronicle.streams'), hashtext($1))", [
    projectId,
  ]);
  const [row] = await tx.query<{ count: string | number }>(
    "SELECT count(*) AS count FROM streams WHERE project_id = $1",
    [projectId],
  );
  return Number(row?.count ?? 0);
}

/** Every stream of the project, by id. */
export async function selectStreams(db: Queryable, projectId: string): Promise<Row[]> {
  return db.query(
    `SELECT ${STREAM_COLUMNS} FROM streams WHERE project_id = $1 ORDER BY stream_id`,
    [projectId],
  );
}

export async function selectStream(
  db: Queryable,
  projectId: string,
  streamId: string,
): Promise<Row | undefined> {
  const [row] = await db.query(
    `SELECT ${STREAM_COLUMNS} FROM streams WHERE project_id = $1 AND stream_id = $2`,
    [projectId, streamId],
  );
  return row;
}

/** The stream, locked for the rest of the transaction `tx`. */
export async function lockStream(
  tx: Queryable,
  projectId: string,
  streamId: string,
): Promise<Row | undefined> {
  const [row] = await tx.query(
    `SELECT ${STREAM_COLUMNS} FROM streams WHERE project_id = $1 AND stream_id = $2 FOR UPDATE`,
    [projectId, streamId],
  );
  return row;
}

export async function updateStreamRow(
  tx: Queryable,
  projectId: string,
  streamId: string,
  changes: StreamChanges,
): Promise<Row> {
  const sets: string[] = ["updated_at = now()"];
  const values: unknown[] = [projectId, streamId];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (changes.name !== undefined) set("name", changes.name);
  if (changes.filters !== undefined) set("filters", changes.filters);
  if (changes.batch !== undefined) set("batch", changes.batch);
  if (changes.destination) {
    set("destination_type", changes.destination.type);
    set("destination", changes.destination.destination);
    set("credentials", changes.destination.credentials);
  }
  if (changes.unpin) sets.push("pending_id = NULL", "pending_last_seq = NULL");
  if (changes.status === "paused") {
    sets.push("status = 'paused'", "paused_reason = 'requested'", "paused_at = now()");
  }
  if (changes.status === "active") {
    sets.push(
      "status = 'active'",
      "paused_reason = NULL",
      "paused_at = NULL",
      "attempts = 0",
      "failing_since = NULL",
      "next_attempt_at = NULL",
    );
  }
  const [row] = await tx.query(
    `UPDATE streams SET ${sets.join(", ")} WHERE project_id = $1 AND stream_id = $2
     RETURNING ${STREAM_COLUMNS}`,
    values,
  );
  return row as Row;
}

/** Deletes the stream and its delivery history. */
export async function deleteStreamRow(
  tx: Queryable,
  projectId: string,
  streamId: string,
): Promise<void> {
  await tx.query("DELETE FROM stream_deliveries WHERE project_id = $1 AND stream_id = $2", [
    projectId,
    streamId,
  ]);
  await tx.query("DELETE FROM streams WHERE project_id = $1 AND stream_id = $2", [
    projectId,
    streamId,
  ]);
}

export async function updateStreamCredentials(
  tx: Queryable,
  projectId: string,
  streamId: string,
  sealedCredentials: string,
): Promise<Row> {
  const [row] = await tx.query(
    `UPDATE streams SET credentials = $3, updated_at = now() WHERE project_id = $1 AND stream_id = $2
     RETURNING ${STREAM_COLUMNS}`,
    [projectId, streamId, sealedCredentials],
  );
  return row as Row;
}

/** Moves the cursor to `cursorSeq`, dropping the pinned batch and the failure state. */
export async function rewindStream(
  tx: Queryable,
  projectId: string,
  streamId: string,
  cursorSeq: number,
): Promise<Row> {
  const [row] = await tx.query(
    `UPDATE streams SET cursor_seq = $3, pending_id = NULL, pending_last_seq = NULL, attempts = 0,
       failing_since = NULL, next_attempt_at = NULL, updated_at = now()
     WHERE project_id = $1 AND stream_id = $2 RETURNING ${STREAM_COLUMNS}`,
    [projectId, streamId, cursorSeq],
  );
  return row as Row;
}

/** Records an attempt unless the stream was deleted meanwhile; undefined then. */
export async function insertDelivery(
  db: Queryable,
  delivery: NewDelivery,
): Promise<Row | undefined> {
  const [row] = await db.query(
    `INSERT INTO stream_deliveries (project_id, stream_id, delivery_id, kind, message_id,
       first_seq, last_seq, event_count, status_code, latency_ms, outcome, error)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
     WHERE EXISTS (SELECT 1 FROM streams WHERE project_id = $1 AND stream_id = $2)
     RETURNING ${DELIVERY_COLUMNS}`,
    deliveryValues(delivery),
  );
  return row;
}

/** The attempt's values as $1 … $12 of an insert into `stream_deliveries`. */
function deliveryValues(delivery: NewDelivery): unknown[] {
  return [
    delivery.projectId,
    delivery.streamId,
    delivery.deliveryId,
    delivery.kind,
    delivery.messageId,
    delivery.firstSeq,
    delivery.lastSeq,
    delivery.eventCount,
    delivery.statusCode,
    delivery.latencyMs,
    delivery.outcome,
    delivery.error,
  ];
}

/** Drops a stream's attempts older than its newest `keep` (ids are time-ordered). */
export async function deleteOldDeliveries(
  db: Queryable,
  projectId: string,
  streamId: string,
  keep: number,
): Promise<void> {
  await db.query(
    `DELETE FROM stream_deliveries WHERE project_id = $1 AND stream_id = $2 AND delivery_id < (
       SELECT delivery_id FROM stream_deliveries WHERE project_id = $1 AND stream_id = $2
       ORDER BY delivery_id DESC OFFSET ${keep - 1} LIMIT 1)`,
    [projectId, streamId],
  );
}

/** A stream's newest `limit` attempts, newest first. */
export async function selectDeliveries(
  db: Queryable,
  projectId: string,
  streamId: string,
  limit: number,
): Promise<Row[]> {
  return db.query(
    `SELECT ${DELIVERY_COLUMNS} FROM stream_deliveries WHERE project_id = $1 AND stream_id = $2
     ORDER BY delivery_id DESC LIMIT ${limit}`,
    [projectId, streamId],
  );
}

/** Releases every lease `owner` holds. */
export async function releaseLeasesOf(db: Queryable, owner: string): Promise<void> {
  await db.query(
    "UPDATE streams SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1",
    [owner],
  );
}

export interface LeaseClaim {
  owner: string;
  leaseMs: number;
  /** Leases of `owner` expiring within this many ms are renewed. */
  renewWithinMs: number;
  /** `project_id/stream_id` of streams not to take. */
  excluded: readonly string[];
  /** How many free or expired leases to take at most. */
  limit: number;
}

/**
 * Renews the owner's active leases due for it and takes at most `limit` free or expired
 * ones (skipping rows another claim has locked); returns every lease renewed or taken.
 */
export async function claimLeases(
  db: Queryable,
  claim: LeaseClaim,
): Promise<{ project_id: string; stream_id: string }[]> {
  return db.query<{ project_id: string; stream_id: string }>(
    `UPDATE streams SET lease_owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond'
     WHERE (lease_owner = $1 AND status = 'active'
         AND lease_expires_at < now() + $3 * interval '1 millisecond')
       OR (project_id, stream_id) IN (
         SELECT project_id, stream_id FROM streams
         WHERE status = 'active' AND (lease_owner IS NULL OR lease_expires_at < now())
           AND NOT (project_id || '/' || stream_id = ANY($4::text[]))
         LIMIT ${claim.limit} FOR UPDATE SKIP LOCKED)
     RETURNING project_id, stream_id`,
    [claim.owner, claim.leaseMs, claim.renewWithinMs, claim.excluded],
  );
}

/** The stream with its project's last seq (`project_last_seq`) while `owner`'s lease holds. */
export async function selectLeasedStream(
  db: Queryable,
  projectId: string,
  streamId: string,
  owner: string,
): Promise<Row | undefined> {
  const [row] = await db.query(
    `SELECT ${STREAM_COLUMNS.replace(/(\w+)/g, "s.$1")}, p.last_seq AS project_last_seq
     FROM streams s JOIN projects p ON p.project_id = s.project_id
     WHERE s.project_id = $1 AND s.stream_id = $2 AND s.lease_owner = $3
       AND s.lease_expires_at > now()`,
    [projectId, streamId, owner],
  );
  return row;
}

/**
 * The streams `owner` holds that have something to do: events past the cursor, a batch
 * pinned, or a status no longer active (paused or resumed elsewhere). One statement for all
 * of a process's idle streams, instead of one per stream per poll.
 */
export async function leasedStreamsWithWork(
  db: Queryable,
  owner: string,
): Promise<{ project_id: string; stream_id: string }[]> {
  return db.query<{ project_id: string; stream_id: string }>(
    `SELECT s.project_id, s.stream_id FROM streams s JOIN projects p ON p.project_id = s.project_id
     WHERE s.lease_owner = $1
       AND (p.last_seq > s.cursor_seq OR s.pending_id IS NOT NULL OR s.status <> 'active')`,
    [owner],
  );
}

/** Releases `owner`'s lease on the stream; with `lastError`, records it on the stream. */
export async function releaseLease(
  db: Queryable,
  projectId: string,
  streamId: string,
  owner: string,
  lastError?: string,
): Promise<void> {
  if (lastError === undefined) {
    await db.query(
      `UPDATE streams SET lease_owner = NULL, lease_expires_at = NULL
       WHERE project_id = $1 AND stream_id = $2 AND lease_owner = $3`,
      [projectId, streamId, owner],
    );
    return;
  }
  await db.query(
    `UPDATE streams SET lease_owner = NULL, lease_expires_at = NULL, last_error = $4
     WHERE project_id = $1 AND stream_id = $2 AND lease_owner = $3`,
    [projectId, streamId, owner, lastError],
  );
}

/** A leased stream's cursor as its owner last read it: writes apply only if it still holds. */
export interface LeasedCursor {
  projectId: string;
  streamId: string;
  owner: string;
  cursorSeq: number;
}

/**
 * A condition that makes the statement it is part of commit without waiting for the WAL
 * flush, so that streams' bookkeeping adds no fsyncs beside ingest's, in one round trip
 * rather than a transaction's four. A statement sent on its own is its own transaction; the
 * setting is local to that transaction and read when it commits; and a row is written only
 * once every condition of its WHERE held, this one included. A crash of PostgreSQL itself
 * can lose the last such write: the cursor then moves back and a batch is delivered again
 * (at least once holds; that batch may come under a new webhook-id).
 */
const WITHOUT_WAL_FLUSH = "set_config('synchronous_commit', 'off', true) IS NOT NULL";

/** Moves the cursor to `toSeq` when nothing is pinned and it has not moved meanwhile. */
export async function skipToSeq(db: Queryable, at: LeasedCursor, toSeq: number): Promise<void> {
  await db.query(
    `UPDATE streams SET cursor_seq = $4
     WHERE project_id = $1 AND stream_id = $2 AND lease_owner = $3 AND pending_id IS NULL
       AND cursor_seq = $5 AND ${WITHOUT_WAL_FLUSH}`,
    [at.projectId, at.streamId, at.owner, toSeq, at.cursorSeq],
  );
}

/** Pins the batch (`messageId`, up to `lastSeq`); false when the cursor moved or one is pinned. */
export async function pinBatch(
  db: Queryable,
  at: LeasedCursor,
  messageId: string,
  lastSeq: number,
): Promise<boolean> {
  const pinned = await db.query(
    `UPDATE streams SET pending_id = $4, pending_last_seq = $5
     WHERE project_id = $1 AND stream_id = $2 AND lease_owner = $3 AND pending_id IS NULL
       AND cursor_seq = $6 AND ${WITHOUT_WAL_FLUSH}
     RETURNING stream_id`,
    [at.projectId, at.streamId, at.owner, messageId, lastSeq, at.cursorSeq],
  );
  return pinned.length > 0;
}

/** The rest of the transaction `tx` commits without waiting for the WAL flush. */
export async function commitWithoutFlush(tx: Queryable): Promise<void> {
  await tx.query("SET LOCAL synchronous_commit TO off");
}

/**
 * The pinned batch went through: the cursor moves past it and failures clear, if `owner`
 * still holds it; the attempt is recorded unless the stream was deleted meanwhile (an empty
 * batch, none of whose events remained, records none).
 */
export async function settleDelivered(
  db: Queryable,
  owner: string,
  delivery: NewDelivery,
): Promise<void> {
  const recorded = delivery.eventCount > 0;
  await db.query(
    `WITH settled AS (
       UPDATE streams SET cursor_seq = pending_last_seq, pending_id = NULL,
         pending_last_seq = NULL, attempts = 0, failing_since = NULL, next_attempt_at = NULL,
         last_error = NULL, last_delivery_at = CASE WHEN $13 THEN now() ELSE last_delivery_at END
       WHERE project_id = $1 AND stream_id = $2 AND lease_owner = $14 AND pending_id = $5
         AND ${WITHOUT_WAL_FLUSH}
       RETURNING stream_id)
     INSERT INTO stream_deliveries (project_id, stream_id, delivery_id, kind, message_id,
       first_seq, last_seq, event_count, status_code, latency_ms, outcome, error)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
     WHERE $13 AND EXISTS (SELECT 1 FROM streams WHERE project_id = $1 AND stream_id = $2)
       AND ${WITHOUT_WAL_FLUSH}`,
    [...deliveryValues(delivery), recorded, owner],
  );
}

export interface FailedAttempt {
  attempts: number;
  retryInMs: number;
  error: string | null;
  /** Pauses the stream (`delivery_failing`). */
  pause: boolean;
}

/** The pinned batch `messageId` failed: schedules the retry; false when no longer held. */
export async function scheduleRetry(
  tx: Queryable,
  projectId: string,
  streamId: string,
  owner: string,
  messageId: string,
  failed: FailedAttempt,
): Promise<boolean> {
  const [updated] = await tx.query(
    `UPDATE streams SET attempts = $5, failing_since = coalesce(failing_since, now()),
       next_attempt_at = now() + $6 * interval '1 millisecond', last_error = $7,
       status = CASE WHEN $8 THEN 'paused' ELSE status END,
       paused_reason = CASE WHEN $8 THEN 'delivery_failing' ELSE paused_reason END,
       paused_at = CASE WHEN $8 THEN now() ELSE paused_at END
     WHERE project_id = $1 AND stream_id = $2 AND lease_owner = $3 AND pending_id = $4
     RETURNING stream_id`,
    [
      projectId,
      streamId,
      owner,
      messageId,
      failed.attempts,
      failed.retryInMs,
      failed.error,
      failed.pause,
    ],
  );
  return updated !== undefined;
}
