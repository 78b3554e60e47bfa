import type { components } from "@chronicle/types";
import type { Row } from "../../store/types.js";
import type { Destination } from "./destinations/index.js";

export type Stream = components["schemas"]["Stream"];
export type StreamFilters = components["schemas"]["StreamFilters"];
export type StreamBatching = components["schemas"]["StreamBatching"];
export type StreamDelivery = components["schemas"]["StreamDelivery"];

export const DEFAULT_BATCHING: StreamBatching = {
  max_events: 100,
  max_bytes: 1_000_000,
  linger_ms: 200,
};

/** A stream as the delivery engine reads it: the wire shape plus what is never shown. */
export interface StreamRecord {
  projectId: string;
  stream: Stream;
  sealedCredentials: string;
  pendingId: string | null;
  pendingLastSeq: number | null;
  attempts: number;
  leaseOwner: string | null;
}

const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : null);

/** The jsonb of PGlite and pg both come parsed; a text fallback keeps either safe. */
function json<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

export function toRecord(row: Row): StreamRecord {
  return {
    projectId: row.project_id as string,
    sealedCredentials: row.credentials as string,
    pendingId: (row.pending_id as string | null) ?? null,
    pendingLastSeq: row.pending_last_seq === null ? null : Number(row.pending_last_seq),
    attempts: Number(row.attempts),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    stream: {
      id: row.stream_id as string,
      name: row.name as string,
      status: row.status as Stream["status"],
      paused_reason: (row.paused_reason as Stream["paused_reason"]) ?? null,
      destination: json<Destination>(row.destination),
      filters: json<StreamFilters>(row.filters),
      batching: json<StreamBatching>(row.batch),
      cursor_seq: Number(row.cursor_seq),
      failing_since: iso(row.failing_since),
      next_attempt_at: iso(row.next_attempt_at),
      last_error: (row.last_error as string | null) ?? null,
      last_delivery_at: iso(row.last_delivery_at),
      created_at: iso(row.created_at) as string,
      updated_at: iso(row.updated_at) as string,
    },
  };
}

export function toDelivery(row: Row): StreamDelivery {
  const maybeNumber = (value: unknown) => (value === null ? null : Number(value));
  return {
    id: row.delivery_id as string,
    kind: row.kind as StreamDelivery["kind"],
    attempted_at: iso(row.attempted_at) as string,
    message_id: row.message_id as string,
    first_seq: maybeNumber(row.first_seq),
    last_seq: maybeNumber(row.last_seq),
    event_count: Number(row.event_count),
    status_code: maybeNumber(row.status_code),
    latency_ms: Number(row.latency_ms),
    outcome: row.outcome as StreamDelivery["outcome"],
    error: (row.error as string | null) ?? null,
  };
}
