import { createHash } from "node:crypto";
import type { Event, EventInput } from "@chronicle/types";
import canonicalize from "canonicalize";
import { ServiceError } from "../../domain/errors.js";
import type { Queryable, Store } from "../../store/types.js";
import { validateAgainstCatalog } from "../catalog/actions.js";
import { databaseNow } from "../system/clock.js";
import { appendEvents, type KeyedRange } from "./event-append.js";
import { type PreparedEvent, prepareEvents } from "./event-prepare.js";
import { EVENT_COLUMNS, eventToWire } from "./event-row.js";
import { inProjectGroup, type Outcome, outcomeOf, type ProjectWriter } from "./group-commit.js";

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
 * concurrent writes of the same project share (services/events/group-commit.ts). With an
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
  const prepared = prepareEvents(inputs, pointerPrefix, options.now ?? databaseNow());
  await validateAgainstCatalog(store, projectId, prepared, pointerPrefix);
  const key = options.idempotencyKey;
  const fingerprint = options.requestHash ?? requestHash("POST", "", inputs);

  return inProjectGroup(
    store,
    projectId,
    prepared.length,
    { projectId, prepared, key, fingerprint },
    recordIngests,
  );
}

interface IngestUnit {
  projectId: string;
  prepared: PreparedEvent[];
  key: string | undefined;
  fingerprint: string;
}

const CLAIM_KEYS = `
INSERT INTO idempotency_keys (project_id, key, request_hash)
SELECT $1, c.key, c.hash FROM unnest($2::text[], $3::text[]) AS c(key, hash)
ON CONFLICT (project_id, key) DO UPDATE
  SET request_hash = excluded.request_hash, response = NULL, first_seq = NULL,
    event_count = NULL, created_at = now()
  WHERE idempotency_keys.created_at < now() - interval '${IDEMPOTENCY_TTL}'
RETURNING key`;

/**
 * Records the ingests of one project that share a transaction (services/events/group-commit.ts)
 * with one statement per step for all of them: claim every key, then append every batch
 * that is not a replay in one seq range. A key used twice in the group is claimed by its
 * first use; the later ones replay it (or conflict) once it is recorded.
 */
const recordIngests: ProjectWriter<IngestUnit, IngestResult> = async (tx, units) => {
  const projectId = (units[0] as IngestUnit).projectId;
  const outcomes: (Outcome<IngestResult> | undefined)[] = units.map(() => undefined);
  const firstUse = new Map<string, number>();
  const repeats = new Set<number>();
  units.forEach((unit, index) => {
    if (unit.key === undefined) return;
    if (firstUse.has(unit.key)) repeats.add(index);
    else firstUse.set(unit.key, index);
  });

  if (firstUse.size > 0) {
    const keys = [...firstUse.keys()];
    const claimed = new Set(
      (
        await tx.query<{ key: string }>(CLAIM_KEYS, [
          projectId,
          keys,
          keys.map((key) => (units[firstUse.get(key) as number] as IngestUnit).fingerprint),
        ])
      ).map((row) => row.key),
    );
    for (const [key, index] of firstUse) {
      if (claimed.has(key)) continue;
      try {
        const replay = await storedResult(
          tx,
          projectId,
          key,
          (units[index] as IngestUnit).fingerprint,
        );
        // Without a usable record (its events were purged) the unit is appended again.
        if (replay) outcomes[index] = { ok: true, value: { events: replay, replayed: true } };
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        outcomes[index] = { ok: false, error };
      }
    }
  }

  const appending = units
    .map((unit, index) => ({ unit, index }))
    .filter(({ index }) => outcomes[index] === undefined && !repeats.has(index));
  if (appending.length > 0) {
    const keyed: KeyedRange[] = [];
    let offset = 0;
    for (const { unit } of appending) {
      if (unit.key !== undefined)
        keyed.push({ key: unit.key, offset, count: unit.prepared.length });
      offset += unit.prepared.length;
    }
    const appended = await outcomeOf(async () => ({
      events: await appendEvents(
        tx,
        projectId,
        appending.flatMap(({ unit }) => unit.prepared),
        keyed,
      ),
      replayed: false,
    }));
    offset = 0;
    for (const { unit, index } of appending) {
      outcomes[index] = appended.ok
        ? {
            ok: true,
            value: {
              events: appended.value.events.slice(offset, offset + unit.prepared.length),
              replayed: false,
            },
          }
        : appended;
      offset += unit.prepared.length;
    }
  }

  // A repeated key: the first use has been recorded (or has failed) by now.
  for (const index of repeats) {
    const unit = units[index] as IngestUnit;
    outcomes[index] = await outcomeOf(async () => {
      const replay = await storedResult(tx, projectId, unit.key as string, unit.fingerprint);
      if (replay) return { events: replay, replayed: true };
      const range = [{ key: unit.key as string, offset: 0, count: unit.prepared.length }];
      return { events: await appendEvents(tx, projectId, unit.prepared, range), replayed: false };
    });
  }
  return outcomes as Outcome<IngestResult>[];
};

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
    throw new ServiceError(
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
