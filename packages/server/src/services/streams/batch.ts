import type { Event } from "@chronicle/types";
import type { EventSelection } from "../../store/event-selection.js";
import { selectedRowsInRange } from "../../store/events.js";
import type { Queryable } from "../../store/types.js";
import { eventToWire } from "../events/event-row.js";
import { eventJson } from "./event-json.js";
import type { StreamBatching, StreamFilters } from "./stream-row.js";

/** The most events one read returns (every destination's per-request ceiling). */
export const READ_CEILING = 1000;

/** What a read asked for `limit` events returns at most: 1 to READ_CEILING. */
export function readLimit(limit: number): number {
  return Math.min(READ_CEILING, Math.max(1, limit));
}

/** The stream's matching events in (afterSeq, upToSeq], seq ascending, at most `limit`. */
export async function matchingEvents(
  db: Queryable,
  projectId: string,
  filters: StreamFilters,
  afterSeq: number,
  upToSeq: number,
  limit = READ_CEILING,
): Promise<Event[]> {
  const selection: EventSelection = {
    projectId,
    filters: {
      ...(filters.actions.length > 0 ? { action: filters.actions } : {}),
      ...(filters.workspace_id !== null ? { workspace_id: filters.workspace_id } : {}),
    },
    scope: { kind: "events" },
    actorTypes: filters.actor_types,
  };
  const rows = await selectedRowsInRange(db, selection, {
    afterSeq,
    upToSeq,
    limit: readLimit(limit),
  });
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
    const size = Buffer.byteLength(eventJson(event));
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
