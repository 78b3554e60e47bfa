import type { Event } from "@chronicle/types";
import type { Queryable } from "./types.js";

/**
 * Idempotency keys are honoured for 24 hours (docs/design.md, "Idempotency"). A key is
 * claimed, with the events it produced, by the append that records them
 * (`chronicle_append`, migration 0009, store/events.ts).
 */

/** What a live key records: the request it was used for and the events it produced. */
export interface KeyRecord {
  requestHash: string;
  /** A response stored with the key itself, returned when its events cannot be read back. */
  response: Event[] | null;
  /** The events the key produced, [firstSeq, firstSeq + eventCount); null until recorded. */
  firstSeq: number | null;
  eventCount: number | null;
}

export async function findKey(
  db: Queryable,
  projectId: string,
  key: string,
): Promise<KeyRecord | undefined> {
  const [stored] = await db.query<{
    request_hash: string;
    response: Event[] | null;
    first_seq: number | string | null;
    event_count: number | null;
  }>(
    `SELECT request_hash, response, first_seq, event_count FROM idempotency_keys
     WHERE project_id = $1 AND key = $2`,
    [projectId, key],
  );
  if (!stored) return undefined;
  return {
    requestHash: stored.request_hash,
    response: stored.response,
    firstSeq: stored.first_seq === null ? null : Number(stored.first_seq),
    eventCount: stored.event_count === null ? null : Number(stored.event_count),
  };
}
