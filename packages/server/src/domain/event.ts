/** The event model on the wire (docs/design.md, "Event"). */

export type ActorType = "user" | "agent" | "api_key" | "system" | "service";
export type Origin = "api" | "ui" | "cli" | "system" | "integration" | "other";

export interface PrincipalRefInput {
  type: ActorType;
  id: string;
  name?: string;
  email?: string;
}

export interface ActorInput extends PrincipalRefInput {
  on_behalf_of?: PrincipalRefInput;
}

export interface TargetInput {
  type: string;
  id: string;
  name?: string;
}

export interface ContextInput {
  ip_address?: string;
  user_agent?: string;
  origin?: Origin;
  trace_id?: string;
  request_id?: string;
}

/** What a client sends (already validated against the contract by the HTTP layer). */
export interface EventInput {
  action: string;
  actor: ActorInput;
  target?: TargetInput;
  targets?: TargetInput[];
  workspace_id?: string;
  summary?: string;
  metadata?: Record<string, unknown>;
  changes?: { before: Record<string, unknown>; after: Record<string, unknown> };
  context?: ContextInput;
  occurred_at?: string;
}

export interface PrincipalRef {
  type: ActorType;
  id: string;
  name: string | null;
  email: string | null;
}

export interface Actor extends PrincipalRef {
  on_behalf_of: PrincipalRef | null;
}

export interface Target {
  type: string;
  id: string;
  name: string | null;
}

export interface EventContext {
  ip_address: string | null;
  user_agent: string | null;
  origin: Origin | null;
  trace_id: string | null;
  request_id: string | null;
}

/** The output shape: every member present, `null` when absent, so the hash has one input. */
export interface Event {
  id: string;
  seq: number;
  action: string;
  actor: Actor;
  target: Target | null;
  targets: Target[];
  workspace_id: string | null;
  summary: string | null;
  metadata: Record<string, unknown>;
  changes: { before: Record<string, unknown>; after: Record<string, unknown> } | null;
  changed_fields: string[];
  context: EventContext | null;
  occurred_at: string;
  created_at: string;
  prev_hash: string | null;
  hash: string;
}
