import type { Event } from "@chronicle/types";
import { notFound } from "../../domain/errors.js";
import { MissingTreeHash } from "../../domain/merkle.js";
import { notifyAppendAtCommit } from "../../store/event-notifications.js";
import {
  type AppendAnswer,
  appendChained,
  type ChainHead,
  type EventToRecord,
  readChainHeadWithFrontier,
} from "../../store/events.js";
import type { Queryable, Store } from "../../store/types.js";
import { cachedTreeGrowth, rememberFrontier, treeGrowth } from "../integrity/merkle-store.js";
import { databaseNow, observeDatabaseTime } from "../system/clock.js";
import { newId } from "../system/ids.js";
import { announceAppend } from "./append-signal.js";
import { flushesLater, whenDurable } from "./durability.js";
import type { PreparedEvent } from "./event-prepare.js";
import { hashEvent } from "./hash-chain.js";

/** Events [offset, offset + count) of an append were produced under an idempotency key. */
export interface KeyedRange {
  key: string;
  /** The fingerprint of the request that used the key. */
  requestHash: string;
  offset: number;
  count: number;
}

/** What an append asks for besides its events. */
export interface AppendKeys {
  keyed: readonly KeyedRange[];
  /** Live keys with nothing usable recorded (their events were purged), to be taken over. */
  retake: readonly string[];
}

/** Appended (the events), or refused because these idempotency keys are live (nothing written). */
export type AppendResult = { events: Event[] } | { usedKeys: string[] };

/**
 * The chain head of each project as this process last appended to it or found it. Only a
 * guess: `chronicle_append` compares it with the stored head under the row lock and answers
 * `moved` with the real one when another replica (or a rolled-back transaction) made it
 * stale, so a stale entry costs one more round trip, never a wrong chain.
 */
const knownHeads = new Map<string, ChainHead>();
const MAX_KNOWN_HEADS = 10_000;

function rememberHead(projectId: string, head: ChainHead): void {
  if (knownHeads.size >= MAX_KNOWN_HEADS && !knownHeads.has(projectId)) knownHeads.clear();
  knownHeads.set(projectId, head);
}

/** Compare-and-set misses in a row before an append takes the row lock for its whole work. */
const OPTIMISTIC_TRIES = 3;
/** Receipt times refused in a row (a clock far off and moving) before the append gives up. */
const CLOCK_TRIES = 3;

/**
 * The prepared events as the next links of the chain: seqs from `firstSeq`, each event's
 * prev_hash the hash of the one before, the first one's the chain head `prevHash`.
 */
function chainEvents(
  prepared: PreparedEvent[],
  firstSeq: number,
  prevHash: string | null,
  createdAt: string,
): EventToRecord[] {
  let seq = firstSeq - 1;
  let previous = prevHash;
  return prepared.map(({ content, targetKeys, searchText }) => {
    seq += 1;
    const unhashed: Omit<Event, "hash"> = {
      id: newId("evt"),
      seq,
      action: content.action,
      actor: content.actor,
      target: content.target,
      targets: content.targets,
      workspace_id: content.workspace_id,
      summary: content.summary,
      metadata: content.metadata,
      changes: content.changes,
      changed_fields: content.changed_fields,
      context: content.context,
      outcome: content.outcome,
      reason: content.reason,
      correlation_id: content.correlation_id,
      api_version: content.api_version,
      schema_version: content.schema_version,
      occurred_at: content.occurred_at,
      created_at: createdAt,
      prev_hash: previous,
    };
    const event: Event = { ...unhashed, hash: hashEvent(unhashed) };
    previous = event.hash;
    return { event, targetKeys, searchText };
  });
}

/**
 * The receipt time proposed for events appended after `head`: the database's clock as this
 * process knows it, never earlier than the head's. `chronicle_append` accepts it only if it
 * is still no earlier than the head's under the row lock and close to the database's own
 * clock, so receipt times follow seq order on one clock whichever replica appends
 * (retention relies on it) while the hash, which covers `created_at`, is computed here.
 */
function receiptTime(head: ChainHead): string {
  const now = databaseNow().toISOString();
  return head.lastCreatedAt !== null && head.lastCreatedAt > now ? head.lastCreatedAt : now;
}

/**
 * Chains the events from `head`, grows the tree, and sends the append's one statement.
 * With `predict`, once the events are chained (without waiting for anything when the
 * tree's frontier at `head` is cached) the head they make becomes the project's known
 * head, so the project's next group, started while this one is in flight, is chained on
 * it: both insert at once and commit in seq order (migration 0014).
 */
async function appendFrom(
  db: Queryable,
  projectId: string,
  head: ChainHead,
  prepared: PreparedEvent[],
  keys: AppendKeys,
  options: { flushedLater: boolean; predict: boolean },
): Promise<{ answer: AppendAnswer; events: Event[] }> {
  const createdAt = receiptTime(head);
  const chained = chainEvents(prepared, head.lastSeq + 1, head.lastHash, createdAt);
  const events = chained.map((item) => item.event);
  const hashes = events.map((event) => event.hash);
  const tree =
    cachedTreeGrowth(projectId, head.lastSeq, head.lastHash, hashes) ??
    (await treeGrowth(db, projectId, head.lastSeq, head.lastHash, hashes));
  if (options.predict && events.length > 0) {
    rememberHead(projectId, {
      lastSeq: head.lastSeq + events.length,
      lastHash: (events[events.length - 1] as Event).hash,
      lastCreatedAt: createdAt,
    });
  }
  const sentAt = Date.now();
  const answer = await appendChained(db, {
    projectId,
    expected: head,
    events: chained,
    createdAt,
    keyed: keys.keyed.map((range) => ({
      key: range.key,
      requestHash: range.requestHash,
      firstSeq: head.lastSeq + 1 + range.offset,
      count: range.count,
    })),
    retake: keys.retake,
    tree,
    flushedLater: options.flushedLater,
  });
  // Only a refused time is learnt from: the other answers read no clock, or read it before
  // waiting for the lock, which would skew the estimate.
  if (answer.databaseTime !== null) observeDatabaseTime(answer.databaseTime, sentAt);
  return { answer, events };
}

/**
 * Appends prepared events in one statement of their own, from the chain head this process
 * knows (the head its last append made, or will make if still in flight: services/events/
 * group-commit.ts pipelines large groups), so the project row is locked only while that
 * statement runs, after its rows are inserted. When the head moved (another
 * replica appended) the events are chained again from the head the database returned;
 * after OPTIMISTIC_TRIES misses the append locks the head first (lockedAppend), so a busy
 * project still makes progress. On PostgreSQL the append commits without waiting for its
 * WAL flush: the caller must `whenDurable` before it answers. Tails are woken once the
 * events are durable.
 */
export async function appendOnItsOwn(
  store: Store,
  projectId: string,
  prepared: PreparedEvent[],
  keys: AppendKeys,
): Promise<AppendResult> {
  let head = knownHeads.get(projectId);
  let clockRefusals = 0;
  for (let tries = 0; tries < OPTIMISTIC_TRIES; tries++) {
    head ??= await committedHead(store, projectId);
    let outcome: { answer: AppendAnswer; events: Event[] };
    try {
      outcome = await appendFrom(store, projectId, head, prepared, keys, {
        flushedLater: flushesLater(store),
        predict: true,
      });
    } catch (error) {
      knownHeads.delete(projectId);
      // Chained on a head still in flight that did not commit, whose frontier is neither
      // cached nor stored: chained again from the stored head.
      if (error instanceof MissingTreeHash) {
        head = undefined;
        continue;
      }
      throw error;
    }
    const { answer, events } = outcome;
    if (answer.status === "ok") return appended(store, projectId, answer.head, events);
    if (answer.status === "missing") {
      knownHeads.delete(projectId);
      throw notFound("Project");
    }
    // Nothing was written: the head predicted from these events is not the project's.
    head = answer.head;
    rememberHead(projectId, head);
    if (answer.status === "keys_used") return { usedKeys: answer.usedKeys };
    if (answer.status === "clock" && ++clockRefusals >= CLOCK_TRIES) throw clockError();
  }
  const locked = await store.transaction((tx) =>
    lockedAppend(tx, projectId, prepared, keys, flushesLater(store)),
  );
  if ("usedKeys" in locked) return locked;
  return appended(store, projectId, locked.head, locked.events);
}

/**
 * The project's committed chain head (locked until the transaction ends with `lock`), its
 * tree's frontier cached from the same round trip so that chaining on it reads nothing more.
 */
async function committedHead(
  db: Queryable,
  projectId: string,
  options: { lock?: boolean } = {},
): Promise<ChainHead> {
  const read = await readChainHeadWithFrontier(db, projectId, options.lock ?? false);
  if (!read) throw notFound("Project");
  const { head, frontier } = read;
  rememberFrontier(projectId, head.lastSeq, head.lastHash, frontier);
  return head;
}

/**
 * Records the new head and announces the events once they are durable (the caller waits
 * for that too, `whenDurable`, before it answers: the append may have committed without it).
 */
function appended(store: Store, projectId: string, head: ChainHead, events: Event[]) {
  // A later group may have been chained on this head already: its prediction stays.
  const known = knownHeads.get(projectId);
  if (!known || known.lastSeq <= head.lastSeq) rememberHead(projectId, head);
  const announce = () => announceAppend(store, projectId, head.lastSeq);
  void whenDurable(store).then(announce, announce);
  return { events };
}

function clockError(): Error {
  return new Error("the database kept refusing the receipt time (is a clock jumping?)");
}

/**
 * Appends inside the caller's transaction `tx` with the project row locked from the first
 * read to the end of that transaction: for the few appends made with other writes (a
 * change the server records as an event), and for appends that lost the head too often.
 */
async function lockedAppend(
  tx: Queryable,
  projectId: string,
  prepared: PreparedEvent[],
  keys: AppendKeys,
  flushedLater: boolean,
): Promise<{ events: Event[]; head: ChainHead } | { usedKeys: string[] }> {
  // Whatever this transaction does, the head known here is no longer a safe guess.
  knownHeads.delete(projectId);
  const head = await committedHead(tx, projectId, { lock: true });
  for (let tries = 0; tries < CLOCK_TRIES; tries++) {
    const { answer, events } = await appendFrom(tx, projectId, head, prepared, keys, {
      flushedLater,
      predict: false,
    });
    if (answer.status === "ok") return { events, head: answer.head };
    if (answer.status === "keys_used") return { usedKeys: answer.usedKeys };
    // `moved` with the head unchanged: the rows met, in the same millisecond, those of an
    // append chained ahead (migration 0014) and were rolled back; the next try's receipt
    // time differs.
    const unchanged =
      answer.head.lastSeq === head.lastSeq && answer.head.lastHash === head.lastHash;
    if (answer.status !== "clock" && !(answer.status === "moved" && unchanged)) {
      throw new Error(`chronicle_append answered ${answer.status} under the project lock`);
    }
  }
  throw clockError();
}

/**
 * Appends prepared events inside the caller's transaction (a change the server records as
 * an event, with the change itself). Only the caller knows when that commits, so the
 * tails' wake-up is a NOTIFY in the transaction, delivered at commit: these appends are
 * rare (keys, tokens, settings), the ones of ingest never pay for it.
 */
export async function appendEvents(
  tx: Queryable,
  projectId: string,
  prepared: PreparedEvent[],
): Promise<Event[]> {
  if (prepared.length === 0) return [];
  const result = await lockedAppend(tx, projectId, prepared, { keyed: [], retake: [] }, false);
  if ("usedKeys" in result) throw new Error("an append without keys found used keys");
  await notifyAppendAtCommit(tx, projectId, result.head.lastSeq);
  return result.events;
}
