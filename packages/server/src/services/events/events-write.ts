import { createHash } from "node:crypto";
import type { Event, EventInput } from "@chronicle/types";
import canonicalize from "canonicalize";
import { ServiceError } from "../../domain/errors.js";
import { rowsFromSeq } from "../../store/events.js";
import { claimKeys, findKey } from "../../store/idempotency.js";
import type { Queryable, Store } from "../../store/types.js";
import { validateAgainstCatalog } from "../catalog/actions.js";
import { databaseNow } from "../system/clock.js";
import { appendEvents, type KeyedRange } from "./event-append.js";
import { type PreparedEvent, prepareEvents } from "./event-prepare.js";
import { eventToWire } from "./event-row.js";
import { inProjectGroup, type Outcome, outcomeOf, type ProjectWriter } from "./group-commit.js";

/**
 * An idempotency key comes with the fingerprint of the request that carried it,
 * `requestHash(method, path, body)`, computed once by whoever received the request.
 */
export type Idempotency =
  | { idempotencyKey: string; requestHash: string }
  | { idempotencyKey?: undefined; requestHash?: undefined };

export type IngestOptions = Idempotency & {
  /** Prefix of error pointers for item i: `(i) => "/events/" + i` for a batch. Default "". */
  pointerPrefix?: (index: number) => string;
  /** Receipt time used for defaults (occurred_at); default now. */
  now?: Date;
  /** The `Chronicle-Version` the events are written with; default the latest. */
  apiVersion?: string;
};

export interface IngestResult {
  events: Event[];
  /** True when the result is the stored one of an earlier request with the same key. */
  replayed: boolean;
}

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
  const prepared = prepareEvents(
    inputs,
    pointerPrefix,
    options.now ?? databaseNow(),
    options.apiVersion,
  );
  await validateAgainstCatalog(store, projectId, prepared, pointerPrefix);
  const key = options.idempotencyKey;
  // Read only for a unit with a key, and a key always comes with its request's fingerprint.
  const fingerprint = options.requestHash ?? "";

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

type Outcomes = (Outcome<IngestResult> | undefined)[];

/**
 * Records the ingests of one project that share a transaction (services/events/group-commit.ts)
 * with one statement per step for all of them: claim every key, then append every batch
 * that is not a replay in one seq range. A key used twice in the group is claimed by its
 * first use; the later ones replay it (or conflict) once it is recorded.
 */
const recordIngests: ProjectWriter<IngestUnit, IngestResult> = async (tx, units) => {
  const projectId = (units[0] as IngestUnit).projectId;
  const outcomes: Outcomes = units.map(() => undefined);
  const { firstUse, repeats } = keyUses(units);
  await replayClaimedElsewhere(tx, projectId, units, firstUse, outcomes);
  const appending = units
    .map((unit, index) => ({ unit, index }))
    .filter(({ index }) => outcomes[index] === undefined && !repeats.has(index));
  await appendTogether(tx, projectId, appending, outcomes);
  for (const index of repeats) {
    outcomes[index] = await replayOrAppendRepeat(tx, projectId, units[index] as IngestUnit);
  }
  return outcomes as Outcome<IngestResult>[];
};

/** The unit each key is first used by, and the units that use a key again. */
function keyUses(units: IngestUnit[]): { firstUse: Map<string, number>; repeats: Set<number> } {
  const firstUse = new Map<string, number>();
  const repeats = new Set<number>();
  units.forEach((unit, index) => {
    if (unit.key === undefined) return;
    if (firstUse.has(unit.key)) repeats.add(index);
    else firstUse.set(unit.key, index);
  });
  return { firstUse, repeats };
}

/**
 * Claims every key of the group in one statement; a key that is not claimed is live
 * (recorded by an earlier request), so its unit replays that request's result or is
 * refused with 409. Sets the outcomes of those units.
 */
async function replayClaimedElsewhere(
  tx: Queryable,
  projectId: string,
  units: IngestUnit[],
  firstUse: Map<string, number>,
  outcomes: Outcomes,
): Promise<void> {
  if (firstUse.size === 0) return;
  const keys = [...firstUse.keys()];
  const fingerprints = keys.map(
    (key) => (units[firstUse.get(key) as number] as IngestUnit).fingerprint,
  );
  const claimed = await claimKeys(tx, projectId, keys, fingerprints);
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

/**
 * Appends the batches of `appending` as one seq range, each key recording the part its
 * unit produced; each unit gets its own slice of the events (or the shared refusal).
 */
async function appendTogether(
  tx: Queryable,
  projectId: string,
  appending: { unit: IngestUnit; index: number }[],
  outcomes: Outcomes,
): Promise<void> {
  if (appending.length === 0) return;
  const keyed: KeyedRange[] = [];
  let offset = 0;
  for (const { unit } of appending) {
    if (unit.key !== undefined) keyed.push({ key: unit.key, offset, count: unit.prepared.length });
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

/**
 * A unit whose key an earlier unit of the group used: that one has been recorded (or has
 * failed) by now, so this one replays it, conflicts, or appends when nothing is recorded.
 */
function replayOrAppendRepeat(
  tx: Queryable,
  projectId: string,
  unit: IngestUnit,
): Promise<Outcome<IngestResult>> {
  return outcomeOf(async () => {
    const replay = await storedResult(tx, projectId, unit.key as string, unit.fingerprint);
    if (replay) return { events: replay, replayed: true };
    const range = [{ key: unit.key as string, offset: 0, count: unit.prepared.length }];
    return { events: await appendEvents(tx, projectId, unit.prepared, range), replayed: false };
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
  const stored = await findKey(tx, projectId, key);
  if (!stored) return null;
  if (stored.requestHash !== fingerprint) {
    throw new ServiceError(
      "idempotency_conflict",
      "This Idempotency-Key was used with a different request body",
    );
  }
  if (stored.firstSeq !== null && stored.eventCount !== null) {
    const rows = await rowsFromSeq(tx, projectId, stored.firstSeq, stored.eventCount);
    if (rows.length === stored.eventCount) return rows.map(eventToWire);
  }
  return stored.response;
}
