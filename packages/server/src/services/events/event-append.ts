import type { Event } from "@chronicle/types";
import { notFound } from "../../domain/errors.js";
import { EVENTS_CHANNEL } from "../../store/event-notifications.js";
import {
  type EventToRecord,
  type ReservedSeqs,
  recordAppend,
  reserveSeqs,
} from "../../store/events.js";
import type { Queryable } from "../../store/types.js";
import { treeGrowth } from "../integrity/merkle-store.js";
import { observeDatabaseTime } from "../system/clock.js";
import { newId } from "../system/ids.js";
import type { PreparedEvent } from "./event-prepare.js";
import { hashEvent } from "./hash-chain.js";

/** Events [offset, offset + count) of an append were produced under an idempotency key. */
export interface KeyedRange {
  key: string;
  offset: number;
  count: number;
}

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
 * The receipt time of an append, read under the project lock from the database's clock,
 * so receipt times follow seq order on one clock whichever replica appends (retention
 * relies on it).
 */
function receiptTime(head: ReservedSeqs, sentAt: number): string {
  observeDatabaseTime(head.receivedAt, sentAt);
  return new Date(head.receivedAt).toISOString();
}

/**
 * Appends prepared events inside the caller's transaction: reserves their seqs under the
 * project row lock (held until commit, so seq is gap-free and in commit order), chains
 * the hashes, works out the Merkle tree's growth, then records the rows, the tree's new
 * hashes, the catalog counters, which events each idempotency key produced and the live
 * tail's signal in one statement.
 */
export async function appendEvents(
  tx: Queryable,
  projectId: string,
  prepared: PreparedEvent[],
  keyed: readonly KeyedRange[] = [],
): Promise<Event[]> {
  if (prepared.length === 0) return [];
  const sentAt = Date.now();
  const head = await reserveSeqs(tx, projectId, prepared.length);
  if (!head) throw notFound("Project");
  const createdAt = receiptTime(head, sentAt);
  const firstSeq = head.lastSeq - prepared.length + 1;
  const chained = chainEvents(prepared, firstSeq, head.lastHash, createdAt);
  const events = chained.map((item) => item.event);
  // The project's Merkle tree grows in the same statement (services/integrity/merkle-store.ts).
  const tree = await treeGrowth(
    tx,
    projectId,
    firstSeq - 1,
    head.lastHash,
    events.map((event) => event.hash),
  );
  await recordAppend(tx, {
    projectId,
    events: chained,
    lastHash: events[events.length - 1]?.hash ?? head.lastHash,
    createdAt,
    keyed: keyed.map((range) => ({
      key: range.key,
      firstSeq: firstSeq + range.offset,
      count: range.count,
    })),
    channel: EVENTS_CHANNEL,
    lastSeq: head.lastSeq,
    tree,
  });
  return events;
}
