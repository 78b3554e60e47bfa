import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { ChronicleError } from "../domain/errors.js";
import type { Event, EventInput } from "../domain/event.js";
import type { Queryable, Store } from "../store/types.js";
import { validateAgainstCatalog } from "./actions.js";
import { appendEvents } from "./event-append.js";
import { prepareEvents } from "./event-prepare.js";
import { EVENT_COLUMNS, eventToWire } from "./event-row.js";
import { inProjectWrite } from "./project-writes.js";

export interface IngestOptions {
  idempotencyKey?: string;
  /** requestHash(method, path, body); required with idempotencyKey. */
  requestHash?: string;
  /** Prefix of error pointers for item i: `(i) => "/events/" + i` for a batch. Default "". */
  pointerPrefix?: (index: number) => string;
  /** Receipt time used for defaults (occurred_at); default now. */
  now?: Date;
}

export interface IngestResult {
  events: Event[];
  /** True when the result is the stored one of an earlier request with the same key. */
  replayed: boolean;
}

/** Idempotency keys are honoured for 24 hours. */
const IDEMPOTENCY_TTL = "24 hours";

/** The fingerprint an idempotency key is bound to: method, path and canonical body. */
export function requestHash(method: string, path: string, body: unknown): string {
  const canonical = canonicalize([method.toUpperCase(), path, body ?? null]) ?? "";
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/**
 * Records a batch (one event is a batch of one): all or nothing, in one transaction, which
 * concurrent writes of the same project share (services/project-writes.ts). With an
 * idempotency key the key's row is written in the same transaction; its primary key makes a
 * concurrent duplicate wait for the first and then replay its result.
 */
export async function ingestEvents(
  store: Store,
  projectId: string,
  inputs: EventInput[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  const pointerPrefix = options.pointerPrefix ?? (() => "");
  const prepared = prepareEvents(inputs, pointerPrefix, options.now ?? new Date());
  await validateAgainstCatalog(store, projectId, prepared, pointerPrefix);
  const key = options.idempotencyKey;
  const fingerprint = options.requestHash ?? requestHash("POST", "", inputs);

  return inProjectWrite(store, projectId, prepared.length, async (tx) => {
    if (key !== undefined) {
      const claimed = await tx.query(
        `INSERT INTO idempotency_keys (project_id, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, key) DO UPDATE
           SET request_hash = excluded.request_hash, response = NULL, first_seq = NULL,
             event_count = NULL, created_at = now()
           WHERE idempotency_keys.created_at < now() - interval '${IDEMPOTENCY_TTL}'
         RETURNING key`,
        [projectId, key, fingerprint],
      );
      if (claimed.length === 0) {
        const replay = await storedResult(tx, projectId, key, fingerprint);
        if (replay) return { events: replay, replayed: true };
      }
    }
    // The key's row records the events' seq range in the same statement as the events.
    const events = await appendEvents(tx, projectId, prepared, key);
    return { events, replayed: false };
  });
}

/**
 * The result recorded under a live key, read back from `events` (which are immutable, so
 * it is the response the first request got); 409 when the key was used for another
 * request. Null when nothing usable is recorded (the events were purged), so the request
 * is executed again under the key.
 */
async function storedResult(
  tx: Queryable,
  projectId: string,
  key: string,
  fingerprint: string,
): Promise<Event[] | null> {
  const [stored] = await tx.query<{
    request_hash: string;
    response: Event[] | null;
    first_seq: number | string | null;
    event_count: number | null;
  }>(
    `SELECT request_hash, response, first_seq, event_count FROM idempotency_keys
     WHERE project_id = $1 AND key = $2`,
    [projectId, key],
  );
  if (!stored) return null;
  if (stored.request_hash !== fingerprint) {
    throw new ChronicleError(
      "idempotency_conflict",
      "This Idempotency-Key was used with a different request body",
    );
  }
  if (stored.first_seq !== null && stored.event_count !== null) {
    const firstSeq = Number(stored.first_seq);
    const rows = await tx.query(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE project_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
      [projectId, firstSeq, firstSeq + Number(stored.event_count)],
    );
    if (rows.length === Number(stored.event_count)) return rows.map(eventToWire);
  }
  return stored.response;
}
