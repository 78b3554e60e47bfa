import type { Event } from "@chronicle/types";
import type { Queryable } from "./types.js";

/** Idempotency keys are honoured for 24 hours (docs/design.md, "Idempotency"). */
const IDEMPOTENCY_TTL = "24 hours";

const CLAIM_KEYS = `
INSERT INTO idempotency_keys (project_id, key, request_hash)
SELECT $1, c.key, c.hash FROM unnest($2::text[], $3::text[]) AS c(key, hash)
ON CONFLICT (project_id, key) DO UPDATE
  SET request_hash = excluded.request_hash, response = NULL, first_seq = NULL,
    event_count = NULL, created_at = now()
  WHERE idempotency_keys.created_at < now() - interval '${IDEMPOTENCY_TTL}'
RETURNING key`;

/**
 * Claims each key (absent, or expired and taken over) for the request fingerprinted by the
 * matching entry of `fingerprints`; returns the keys claimed. A key another transaction is
 * claiming makes this one wait for it. Which events a key produced is recorded with the
 * append (store/events.ts, recordAppend).
 */
export async function claimKeys(
  tx: Queryable,
  projectId: string,
  keys: string[],
  fingerprints: string[],
): Promise<Set<string>> {
  const rows = await tx.query<{ key: string }>(CLAIM_KEYS, [projectId, keys, fingerprints]);
  return new Set(rows.map((row) => row.key));
}

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
