import type { Event } from "@chronicle/types";
import { notFound } from "../../domain/errors.js";
import { insertTreeHashesSql } from "../../store/merkle.js";
import type { Queryable } from "../../store/types.js";
import { treeGrowth } from "../integrity/merkle-store.js";
import { observeDatabaseTime } from "../system/clock.js";
import { newId } from "../system/ids.js";
import type { PreparedEvent } from "./event-prepare.js";
import { hashEvent } from "./hash-chain.js";
import { EVENTS_CHANNEL } from "./notifications.js";

/**
 * Everything after the seq range is reserved, in one statement (one round trip under the
 * project lock, bench/FINDINGS.md B1): the rows, the chain head, the Merkle tree's new
 * hashes, the catalog counters, the idempotency records (one per key in $12) and the live
 * tail's signal, delivered at commit so a tail woken by it always finds the rows.
 */
const RECORD_EVENTS = `
WITH inserted AS (
  INSERT INTO events (project_id, seq, id, action, actor_type, actor_id, actor_name,
    actor_email, on_behalf_of, target_type, target_id, target_name, targets, target_keys,
    workspace_id, summary, metadata, changes, changed_fields, context, occurred_at, created_at,
    prev_hash, hash, search_text)
  SELECT $1, r.seq, r.id, r.action, r.actor_type, r.actor_id, r.actor_name, r.actor_email,
    r.on_behalf_of, r.target_type, r.target_id, r.target_name, r.targets, r.target_keys,
    r.workspace_id, r.summary, r.metadata, r.changes, r.changed_fields, r.context,
    r.occurred_at, r.created_at, r.prev_hash, r.hash, r.search_text
  FROM jsonb_to_recordset($2::jsonb) AS r(seq bigint, id text, action text, actor_type text,
    actor_id text, actor_name text, actor_email text, on_behalf_of jsonb, target_type text,
    target_id text, target_name text, targets jsonb, target_keys text[], workspace_id text,
    summary text, metadata jsonb, changes jsonb, changed_fields text[], context jsonb,
    occurred_at timestamptz, created_at timestamptz, prev_hash text, hash text,
    search_text text)
  RETURNING 1
), chain_head AS (
  UPDATE projects SET last_hash = $3 WHERE project_id = $1
), action_counts AS (
  INSERT INTO actions (project_id, action, count, first_seen_at, last_seen_at)
  SELECT $1, a.action, a.n, $8, $8 FROM unnest($4::text[], $5::bigint[]) AS a(action, n)
  ON CONFLICT (project_id, action) DO UPDATE SET
    count = actions.count + excluded.count,
    first_seen_at = coalesce(actions.first_seen_at, excluded.first_seen_at),
    last_seen_at = excluded.last_seen_at
), workspace_counts AS (
  INSERT INTO workspaces (project_id, workspace_id, count, first_seen_at, last_seen_at)
  SELECT $1, w.id, w.n, $8, $8 FROM unnest($6::text[], $7::bigint[]) AS w(id, n)
  ON CONFLICT (project_id, workspace_id) DO UPDATE SET
    count = workspaces.count + excluded.count,
    last_seen_at = excluded.last_seen_at
), idempotency AS (
  UPDATE idempotency_keys AS k SET first_seq = r.first_seq, event_count = r.n
  FROM unnest($12::text[], $9::bigint[], $10::integer[]) AS r(key, first_seq, n)
  WHERE k.project_id = $1 AND k.key = r.key
), tree AS (
  ${insertTreeHashesSql(14, 15)}
)
SELECT pg_notify($11, $1 || ':' || $13::text)`;

/** Events [offset, offset + count) of an append were produced under an idempotency key. */
export interface KeyedRange {
  key: string;
  offset: number;
  count: number;
}

function tally(values: (string | null)[]): [string[], number[]] {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [[...counts.keys()], [...counts.values()]];
}

/**
 * Appends prepared events inside the caller's transaction: takes the project row lock
 * (held until commit, so seq is gap-free and in commit order), chains the hashes, inserts
 * the batch, bumps the catalog counters, records which events each idempotency key
 * produced and signals the live tail, all in one statement.
 */
export async function appendEvents(
  tx: Queryable,
  projectId: string,
  prepared: PreparedEvent[],
  keyed: readonly KeyedRange[] = [],
): Promise<Event[]> {
  if (prepared.length === 0) return [];
  const sentAt = Date.now();
  const [head] = await tx.query<{ last_seq: number; last_hash: string | null; received_at: Date }>(
    `UPDATE projects SET last_seq = last_seq + $2 WHERE project_id = $1
     RETURNING last_seq, last_hash, clock_timestamp() AS received_at`,
    [projectId, prepared.length],
  );
  if (!head) throw notFound("Project");
  // Read under the lock from the database's clock, so receipt times follow seq order on one
  // clock whichever replica appends (retention relies on it).
  observeDatabaseTime(head.received_at, sentAt);
  const createdAt = new Date(head.received_at).toISOString();
  let seq = head.last_seq - prepared.length;
  let prevHash = head.last_hash;
  const events: Event[] = [];
  const rows: Record<string, unknown>[] = [];
  for (const item of prepared) {
    seq += 1;
    const { content } = item;
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
      occurred_at: content.occurred_at,
      created_at: createdAt,
      prev_hash: prevHash,
    };
    const event: Event = { ...unhashed, hash: hashEvent(unhashed) };
    events.push(event);
    prevHash = event.hash;
    rows.push({
      seq,
      id: event.id,
      action: event.action,
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      actor_name: event.actor.name,
      actor_email: event.actor.email,
      on_behalf_of: event.actor.on_behalf_of,
      target_type: event.target?.type ?? null,
      target_id: event.target?.id ?? null,
      target_name: event.target?.name ?? null,
      targets: event.targets,
      target_keys: item.targetKeys,
      workspace_id: event.workspace_id,
      summary: event.summary,
      metadata: event.metadata,
      changes: event.changes,
      changed_fields: event.changed_fields,
      context: event.context,
      occurred_at: event.occurred_at,
      created_at: createdAt,
      prev_hash: event.prev_hash,
      hash: event.hash,
      search_text: item.searchText,
    });
  }
  // The project's Merkle tree grows in the same statement (services/integrity/merkle-store.ts).
  const tree = await treeGrowth(
    tx,
    projectId,
    head.last_seq - prepared.length,
    head.last_hash,
    events.map((event) => event.hash),
  );
  const [actions, actionCounts] = tally(events.map((event) => event.action));
  const [workspaces, workspaceCounts] = tally(events.map((event) => event.workspace_id));
  await tx.query(RECORD_EVENTS, [
    projectId,
    JSON.stringify(rows),
    prevHash,
    actions,
    actionCounts,
    workspaces,
    workspaceCounts,
    createdAt,
    keyed.map((range) => head.last_seq - prepared.length + 1 + range.offset),
    keyed.map((range) => range.count),
    EVENTS_CHANNEL,
    keyed.map((range) => range.key),
    seq,
    tree.indexes,
    tree.hashes,
  ]);
  return events;
}
