import { createHash } from "node:crypto";
import type { Event, EventInput } from "@chronicle/types";
import { canonicalJson } from "../../domain/canonical-json.js";
import { ServiceError } from "../../domain/errors.js";
import { rowsFromSeq } from "../../store/events.js";
import { findKey } from "../../store/idempotency.js";
import type { Queryable, Store } from "../../store/types.js";
import { validateAgainstCatalog } from "../catalog/actions.js";
import { databaseNow } from "../system/clock.js";
import { whenDurable } from "./durability.js";
import { appendOnItsOwn, type KeyedRange } from "./event-append.js";
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
  /**
   * Events the server records about itself (an export, say): not held to the tenant's
   * catalog, which cannot refuse or constrain what the server must record.
   */
  recordedByServer?: boolean;
};

export interface IngestResult {
  events: Event[];
  /** The earliest deprecation among the actions written (RFC 9745 `Deprecation`). */
  deprecatedAt?: Date | null;
  /** True when the result is the stored one of an earlier request with the same key. */
  replayed: boolean;
}

/** The fingerprint an idempotency key is bound to: method, path and canonical body. */
export function requestHash(method: string, path: string, body: unknown): string {
  const canonical = canonicalJson([method.toUpperCase(), path, body ?? null]);
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/**
 * Records a batch (one event is a batch of one): all or nothing, in one statement, which
 * concurrent writes of the same project share (services/events/group-commit.ts). With an
 * idempotency key the key's record is written in the same statement; a key is checked
 * under the project's row lock, so of concurrent requests with one key (on any replica)
 * the first is recorded and the others replay its result.
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
  const verdict = options.recordedByServer
    ? { deprecatedAt: null }
    : await validateAgainstCatalog(store, projectId, prepared, pointerPrefix);
  const key = options.idempotencyKey;
  // Read only for a unit with a key, and a key always comes with its request's fingerprint.
  const fingerprint = options.requestHash ?? "";

  const result = await inProjectGroup(
    store,
    projectId,
    prepared.length,
    { projectId, prepared, key, fingerprint },
    recordIngests,
  );
  // The append (or, for a replay, the one replayed, perhaps on another replica) may have
  // committed without its WAL flush: nothing is answered before it is on disk.
  await whenDurable(store);
  return verdict.deprecatedAt ? { ...result, deprecatedAt: verdict.deprecatedAt } : result;
}

interface IngestUnit {
  projectId: string;
  prepared: PreparedEvent[];
  key: string | undefined;
  fingerprint: string;
}

type Outcomes = (Outcome<IngestResult> | undefined)[];

/**
 * Records the ingests of one project that the group-commit queue gathered: every batch
 * that is not a replay in one append (one statement, one seq range). A key used twice in
 * the group is recorded by its first use; the later ones replay it (or conflict) after.
 */
const recordIngests: ProjectWriter<IngestUnit, IngestResult> = Object.assign(
  async (db: Queryable, units: IngestUnit[]) => {
    const store = db as Store; // a writer that commits itself is given the store
    const projectId = (units[0] as IngestUnit).projectId;
    const outcomes: Outcomes = units.map(() => undefined);
    const repeats = repeatedKeyUses(units);
    const firstUses = units.map((_, index) => index).filter((index) => !repeats.has(index));
    await appendIsolated(store, projectId, units, firstUses, outcomes);
    for (const index of repeats) {
      outcomes[index] = await replayOrAppendRepeat(store, projectId, units[index] as IngestUnit);
    }
    return outcomes as Outcome<IngestResult>[];
  },
  { commitsItself: true, pipelined: true },
);

/** The units that use a key an earlier unit of the group uses. */
function repeatedKeyUses(units: IngestUnit[]): Set<number> {
  const seen = new Set<string>();
  const repeats = new Set<number>();
  units.forEach((unit, index) => {
    if (unit.key === undefined) return;
    if (seen.has(unit.key)) repeats.add(index);
    else seen.add(unit.key);
  });
  return repeats;
}

/**
 * Appends the units at `indexes` together; when the database refuses that append for
 * something in the data (SQLSTATE class 22 or 23, which no check before caught), each unit
 * is appended on its own, so only the unit at fault fails. A ServiceError (the database
 * unavailable, the project gone) fails them all: whether the append committed is then
 * unknown, and appending each again could record it twice.
 */
async function appendIsolated(
  store: Store,
  projectId: string,
  units: IngestUnit[],
  indexes: number[],
  outcomes: Outcomes,
): Promise<void> {
  try {
    await appendTogether(store, projectId, units, indexes, outcomes);
  } catch (error) {
    const unitError = error instanceof Error ? error : new Error(String(error));
    if (indexes.length === 1 || !isDataError(error)) {
      for (const index of indexes) outcomes[index] ??= { ok: false, error: unitError };
      return;
    }
    for (const index of indexes) {
      if (outcomes[index] === undefined) {
        await appendIsolated(store, projectId, units, [index], outcomes);
      }
    }
  }
}

function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^2[23]/.test(code);
}

/**
 * Appends the batches of the units at `indexes` as one seq range, each key recording the
 * part its unit produced, and sets each unit's outcome to its slice of the events. A key
 * found live settles its unit from what it recorded (a replay or a conflict), and the
 * others are appended without it.
 */
async function appendTogether(
  store: Store,
  projectId: string,
  units: IngestUnit[],
  indexes: number[],
  outcomes: Outcomes,
): Promise<void> {
  const retake: string[] = [];
  let pending = indexes;
  while (pending.length > 0) {
    const keyed: KeyedRange[] = [];
    let offset = 0;
    for (const index of pending) {
      const unit = units[index] as IngestUnit;
      if (unit.key !== undefined) {
        keyed.push({
          key: unit.key,
          requestHash: unit.fingerprint,
          offset,
          count: unit.prepared.length,
        });
      }
      offset += unit.prepared.length;
    }
    const prepared = pending.flatMap((index) => (units[index] as IngestUnit).prepared);
    const result = await appendOnItsOwn(store, projectId, prepared, { keyed, retake });
    if ("events" in result) {
      offset = 0;
      for (const index of pending) {
        const size = (units[index] as IngestUnit).prepared.length;
        const events = result.events.slice(offset, offset + size);
        outcomes[index] = { ok: true, value: { events, replayed: false } };
        offset += size;
      }
      return;
    }
    for (const key of result.usedKeys) {
      const index = pending.find((candidate) => units[candidate]?.key === key) as number;
      const stored = await outcomeOf(() =>
        storedResult(store, projectId, key, (units[index] as IngestUnit).fingerprint),
      );
      // Without a usable record (its events were purged) the unit is appended again.
      if (stored.ok && stored.value === null) retake.push(key);
      else if (stored.ok)
        outcomes[index] = { ok: true, value: { events: stored.value as Event[], replayed: true } };
      else outcomes[index] = stored;
    }
    pending = pending.filter((index) => outcomes[index] === undefined);
  }
}

/**
 * A unit whose key an earlier unit of the group used: that one has been recorded (or has
 * failed) by now, so this one replays it, conflicts, or appends when nothing is recorded.
 */
async function replayOrAppendRepeat(
  store: Store,
  projectId: string,
  unit: IngestUnit,
): Promise<Outcome<IngestResult>> {
  const outcomes: Outcomes = [undefined];
  await appendIsolated(store, projectId, [unit], [0], outcomes);
  return outcomes[0] as Outcome<IngestResult>;
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
