/** Shapes the services return; snake_case members are sent on the wire as they are. */

export type Scope = "activity:read" | "activity:write" | "activity:export" | "admin";
export const SCOPES: readonly Scope[] = [
  "activity:read",
  "activity:write",
  "activity:export",
  "admin",
];

export interface Project {
  id: string;
  name: string;
  /** null: kept forever. */
  retention_days: number | null;
  created_at: string;
  counts: { events: number; actions: number; workspaces: number; api_keys: number };
}

export interface ProjectPatch {
  name?: string;
  retention_days?: number | null;
}

export interface ApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  /** The first characters of the secret, to recognise a key in a list (`chr_AbCd`). */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Returned once, on creation: the only time the secret `key` is visible. */
export interface ApiKeyWithSecret extends ApiKey {
  key: string;
}

/** Who holds a credential; shaped like the HTTP layer's Principal. */
export interface Credential {
  kind: "api_key" | "viewer_token";
  /** The key id, or the viewer token's id (its rate-limit bucket). */
  id: string;
  projectId: string;
  scopes: Scope[];
  /** Set for viewer tokens only. */
  workspaceId: string | null;
  name: string | null;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
  prev_cursor: string | null;
  total?: number;
}

export interface EventFilters {
  /** Exact actions or `prefix.*`; several are OR-ed. */
  action?: string[];
  actor_id?: string;
  actor_type?: string;
  target_type?: string;
  target_id?: string;
  workspace_id?: string;
  /** Case-insensitive substring across action, actor, target, summary and metadata. */
  search?: string;
  /** RFC 3339, inclusive. */
  start_time?: string;
  /** RFC 3339, exclusive. */
  end_time?: string;
  /** Events whose `changed_fields` contains this field. */
  changed_field?: string;
}

/** Which endpoint a list belongs to; part of every cursor. */
export type ListScope =
  | { kind: "events" }
  | { kind: "target"; type: string; id: string }
  | { kind: "workspace"; id: string };

export interface ListOptions {
  order?: "asc" | "desc";
  /** 1–200, default 50. */
  limit?: number;
  cursor?: string;
  includeTotal?: boolean;
  scope?: ListScope;
}

export interface ActionDefinition {
  description?: string | null;
  metadata_schema?: Record<string, unknown> | null;
}

export interface CatalogAction {
  action: string;
  description: string | null;
  metadata_schema: Record<string, unknown> | null;
  defined: boolean;
  count: number;
  first_seen_at: string | null;
  last_seen_at: string | null;
}

export interface IntegrityReport {
  valid: boolean;
  first_invalid_seq: number | null;
  from_seq: number;
  to_seq: number;
  checked: number;
  head_hash: string | null;
  /** Set once retention purged the beginning of the chain: where verification starts from. */
  checkpoint: { seq: number; hash: string } | null;
  /** The signed tree size the range was proven against; null when storage contradicts it. */
  signed_tree_size: number | null;
  /** Where to continue when the range was longer than one request verifies. */
  next_from_seq: number | null;
}

export interface ViewerTokenRequest {
  workspace_id: string;
  /** Default 3600, at most 86400. */
  ttl_seconds?: number;
  /** `activity:read` always; add `activity:export` to allow exports. */
  scopes?: Scope[];
}

export interface ViewerToken {
  /** `vtk_…`: what `DELETE /v1/viewer-tokens/{id}` takes. */
  id: string;
  token: string;
  workspace_id: string;
  scopes: Scope[];
  expires_at: string;
}

/** A minted viewer token as recorded (never the secret token itself). */
export interface ViewerTokenRecord {
  id: string;
  /** The API key that minted it: revoking that key refuses the token too. */
  key_id: string;
  workspace_id: string;
  scopes: Scope[];
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface PurgeReport {
  project_id: string;
  purged: number;
  checkpoint_seq: number | null;
}
