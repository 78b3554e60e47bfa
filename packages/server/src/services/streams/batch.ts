import type { Event } from "@chronicle/types";
import type { Queryable } from "../../store/types.js";
import { filterConditions, SqlParams } from "../events/event-filters.js";
import { EVENT_COLUMNS, eventToWire } from "../events/event-row.js";
import type { StreamBatching, StreamFilters } from "./stream-row.js";

/** The most events one read returns (every destination's per-request ceiling). */
const READ_CEILING = 1000;

/** The stream's matching events in (afterSeq, upToSeq], seq ascending, at most `limit`. */
export async function matchingEvents(
  db: Queryable,
  projectId: string,
  filters: StreamFilters,
  afterSeq: number,
  upToSeq: number,
  limit = READ_CEILING,
): Promise<Event[]> {
  const params = new SqlParams();
  const where = filterConditions(
    projectId,
    {
      ...(filters.actions.length > 0 ? { action: filters.actions } : {}),
      ...(filters.workspace_id !== null ? { workspace_id: filters.workspace_id } : {}),
    },
    { kind: "events" },
    params,
  );
  if (filters.actor_types.length > 0) {
    where.push(`actor_type = ANY(${params.add(filters.actor_types)}::text[])`);
  }
  where.push(`seq > ${params.add(afterSeq)}`, `seq <= ${params.add(upToSeq)}`);
  const rows = await db.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(" AND ")}
     ORDER BY seq ASC LIMIT ${Math.min(READ_CEILING, Math.max(1, limit))}`,
    params.values,
  );
  return rows.map(eventToWire);
}

export interface CutBatch {
  events: Event[];
  /** The cursor after this batch: its last event, or the whole range read when it is not full. */
  lastSeq: number;
  /** Whether the limits cut it (so it should go now, without lingering). */
  full: boolean;
}

/**
 * Cuts the next batch from the events read: at most `max_events`, and at most `max_bytes`
 * of serialised events (one larger event still goes, alone).
 */
export function cutBatch(events: Event[], upToSeq: number, batching: StreamBatching): CutBatch {
  const taken: Event[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event));
    if (taken.length > 0 && bytes + size > batching.max_bytes) {
      return { events: taken, lastSeq: (taken[taken.length - 1] as Event).seq, full: true };
    }
    taken.push(event);
    bytes += size;
    if (taken.length >= batching.max_events) {
      return { events: taken, lastSeq: event.seq, full: true };
    }
  }
  return { events: taken, lastSeq: upToSeq, full: false };
}
