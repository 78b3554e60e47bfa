import type { Page } from "../../domain/types.js";
import {
  deleteOldDeliveries,
  insertDelivery,
  type NewDelivery,
  selectDeliveries,
} from "../../store/streams.js";
import type { Queryable, Store } from "../../store/types.js";
import { newId } from "../system/ids.js";
import type { PostResult } from "./http-post.js";
import { type StreamDelivery, toDelivery } from "./stream-row.js";

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
  const row = await insertDelivery(db, deliveryOf(attempt));
  return row ? toDelivery(row) : null;
}

/** The row that records an attempt. */
export function deliveryOf(attempt: AttemptRecord): NewDelivery {
  return {
    projectId: attempt.projectId,
    streamId: attempt.streamId,
    deliveryId: newId("dlv"),
    kind: attempt.kind,
    messageId: attempt.messageId,
    firstSeq: attempt.firstSeq,
    lastSeq: attempt.lastSeq,
    eventCount: attempt.eventCount,
    statusCode: attempt.result.status,
    latencyMs: attempt.result.latencyMs,
    outcome: attempt.result.ok ? "delivered" : "failed",
    error: attempt.result.error?.slice(0, 1000) ?? null,
  };
}

/** Drops a stream's attempts older than the newest KEPT_DELIVERIES (ids are time-ordered). */
export async function pruneAttempts(db: Queryable, projectId: string, streamId: string) {
  await deleteOldDeliveries(db, projectId, streamId, KEPT_DELIVERIES);
}

export async function listAttempts(
  store: Store,
  projectId: string,
  streamId: string,
): Promise<Page<StreamDelivery>> {
  const rows = await selectDeliveries(store, projectId, streamId, KEPT_DELIVERIES);
  return { data: rows.map(toDelivery), has_more: false, next_cursor: null, prev_cursor: null };
}
