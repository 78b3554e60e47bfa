import type { Actor, ActorRef, Context, Event, ObjectRef } from "@chronicle/types";
import type { Row } from "../../store/types.js";

const WIRE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function iso(value: unknown): string {
  if (typeof value === "string" && WIRE_TIME.test(value)) return value;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

// jsonb hands objects back with their keys reordered (shorter first); the members the API
// defines are rebuilt in the documented order, the same as ingest returns them.
function principalOf(stored: ActorRef): ActorRef {
  return { type: stored.type, id: stored.id, name: stored.name, email: stored.email };
}

function targetOf(stored: ObjectRef): ObjectRef {
  return { type: stored.type, id: stored.id, name: stored.name };
}

function contextOf(stored: Context): Context {
  return {
    ip_address: stored.ip_address,
    user_agent: stored.user_agent,
    origin: stored.origin,
    trace_id: stored.trace_id,
    request_id: stored.request_id,
  };
}

function changesOf(stored: NonNullable<Event["changes"]>): Event["changes"] {
  return { before: stored.before, after: stored.after };
}

/** A row of `events` (store/events.ts, EVENT_COLUMNS) as the wire's Event, members in the documented order. */
export function eventToWire(row: Row): Event {
  const actor: Actor = {
    type: row.actor_type as Actor["type"],
    id: String(row.actor_id),
    name: text(row.actor_name),
    email: text(row.actor_email),
    on_behalf_of: row.on_behalf_of ? principalOf(row.on_behalf_of as ActorRef) : null,
  };
  const target: ObjectRef | null =
    row.target_type === null || row.target_type === undefined
      ? null
      : { type: String(row.target_type), id: String(row.target_id), name: text(row.target_name) };
  return {
    id: String(row.id),
    seq: Number(row.seq),
    action: String(row.action),
    actor,
    target,
    targets: ((row.targets as ObjectRef[] | null) ?? []).map(targetOf),
    workspace_id: text(row.workspace_id),
    summary: text(row.summary),
    metadata: (row.metadata as Record<string, unknown> | null) ?? {},
    changes: row.changes ? changesOf(row.changes as NonNullable<Event["changes"]>) : null,
    changed_fields: (row.changed_fields as string[] | null) ?? [],
    context: row.context ? contextOf(row.context as Context) : null,
    outcome: (row.outcome ?? null) as Event["outcome"],
    reason: text(row.reason),
    correlation_id: text(row.correlation_id),
    api_version: text(row.api_version),
    schema_version:
      row.schema_version === null || row.schema_version === undefined
        ? null
        : Number(row.schema_version),
    occurred_at: iso(row.occurred_at),
    created_at: iso(row.created_at),
    prev_hash: text(row.prev_hash),
    hash: String(row.hash),
  };
}
