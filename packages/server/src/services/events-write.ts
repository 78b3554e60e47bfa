import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { ChronicleError } from "../domain/errors.js";
import type { Event, EventInput } from "../domain/event.js";
import type { Store } from "../store/types.js";
import { validateAgainstCatalog } from "./actions.js";
import { appendEvents } from "./event-append.js";
import { prepareEvents } from "./event-prepare.js";

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
 * Records a batch (one event is a batch of one): all or nothing, one transaction. With an
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

  return store.transaction(async (tx) => {
    if (key !== undefined) {
      const claimed = await tx.query(
        `INSERT INTO idempotency_keys (project_id, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, key) DO UPDATE
           SET request_hash = excluded.request_hash, response = NULL, created_at = now()
           WHERE idempotency_keys.created_at < now() - interval '${IDEMPOTENCY_TTL}'
         RETURNING key`,
        [projectId, key, fingerprint],
      );
      if (claimed.length === 0) {
        const [stored] = await tx.query<{ request_hash: string; response: Event[] | null }>(
          "SELECT request_hash, response FROM idempotency_keys WHERE project_id = $1 AND key = $2",
          [projectId, key],
        );
        if (stored && stored.request_hash !== fingerprint) {
          throw new ChronicleError(
            "idempotency_conflict",
            "This Idempotency-Key was used with a different request body",
          );
        }
        if (stored?.response) return { events: stored.response, replayed: true };
      }
    }
    const events = await appendEvents(tx, projectId, prepared);
    if (key !== undefined) {
      await tx.query(
        "UPDATE idempotency_keys SET response = $3::jsonb WHERE project_id = $1 AND key = $2",
        [projectId, key, JSON.stringify(events)],
      );
    }
    return { events, replayed: false };
  });
}
