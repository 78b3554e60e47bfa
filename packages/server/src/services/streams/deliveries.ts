import type { Page } from "../../domain/types.js";
import type { Queryable, Store } from "../../store/types.js";
import { newId } from "../system/ids.js";
import type { PostResult } from "./http-post.js";
import { DELIVERY_COLUMNS, type StreamDelivery, toDelivery } from "./stream-row.js";

export interface AttemptRecord {
  projectId: string;
  streamId: string;
  kind: StreamDelivery["kind"];
  messageId: string;
  firstSeq: number | null;
  lastSeq: number | null;
  eventCount: number;
  result: PostResult;
}

/** How many attempts a stream keeps; the list shows the most recent. */
export const KEPT_DELIVERIES = 100;

/** Records an attempt, unless the stream was deleted meanwhile (no orphan history). */
export async function recordAttempt(
  db: Queryable,
  attempt: AttemptRecord,
): Promise<StreamDelivery | null> {
  const [row] = await db.query(
    `INSERT INTO stream_deliveries (project_id, stream_id, delivery_id, kind, message_id,
       first_seq, last_seq, event_count, status_code, latency_ms, outcome, error)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
     WHERE EXISTS (SELECT 1 FROM streams WHERE project_id = $1 AND stream_id = $2)
     RETURNING ${DELIVERY_COLUMNS}`,
    [
      attempt.projectId,
      attempt.streamId,
      newId("dlv"),
      attempt.kind,
      attempt.messageId,
      attempt.firstSeq,
      attempt.lastSeq,
      attempt.eventCount,
      attempt.result.status,
      attempt.result.latencyMs,
      attempt.result.ok ? "delivered" : "failed",
      attempt.result.error?.slice(0, 1000) ?? null,
    ],
  );
  return row ? toDelivery(row) : null;
}

/** Drops a stream's attempts older than the newest KEPT_DELIVERIES (ids are time-ordered). */
export async function pruneAttempts(db: Queryable, projectId: string, streamId: string) {
  await db.query(
    `DELETE FROM stream_deliveries WHERE project_id = $1 AND stream_id = $2 AND delivery_id < (
       SELECT delivery_id FROM stream_deliveries WHERE project_id = $1 AND stream_id = $2
       ORDER BY delivery_id DESC OFFSET ${KEPT_DELIVERIES - 1} LIMIT 1)`,
    [projectId, streamId],
  );
}

export async function listAttempts(
  store: Store,
  projectId: string,
  streamId: string,
): Promise<Page<StreamDelivery>> {
  const rows = await store.query(
    `SELECT ${DELIVERY_COLUMNS} FROM stream_deliveries WHERE project_id = $1 AND stream_id = $2
     ORDER BY delivery_id DESC LIMIT ${KEPT_DELIVERIES}`,
    [projectId, streamId],
  );
  return { data: rows.map(toDelivery), has_more: false, next_cursor: null, prev_cursor: null };
}
