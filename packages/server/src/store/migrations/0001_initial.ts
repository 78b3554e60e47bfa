/**
 * The schema. Every primary and unique key starts with project_id (Citus-ready);
 * `settings` is the one global table. Events are append-only: a statement trigger refuses
 * UPDATE, DELETE and TRUNCATE unless the transaction set `chronicle.purge` to `on`
 * (retention does; so can a superuser who means it).
 */
export const initial = `
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE settings (
  name text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE projects (
  project_id text PRIMARY KEY,
  name text NOT NULL,
  retention_days integer,
  last_seq bigint NOT NULL DEFAULT 0,
  last_hash text,
  checkpoint_seq bigint,
  checkpoint_hash text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  project_id text NOT NULL REFERENCES projects (project_id),
  key_id text NOT NULL,
  name text NOT NULL,
  scopes text[] NOT NULL,
  prefix text NOT NULL,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (project_id, key_id)
);
-- Authentication looks a key up by its hash alone (the secret does not name its project).
CREATE INDEX api_keys_secret_hash ON api_keys (secret_hash);

CREATE TABLE events (
  project_id text NOT NULL,
  seq bigint NOT NULL,
  id text NOT NULL,
  action text COLLATE "C" NOT NULL,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  actor_name text,
  actor_email text,
  on_behalf_of jsonb,
  target_type text,
  target_id text,
  target_name text,
  targets jsonb NOT NULL DEFAULT '[]',
  -- JSON [type, id] of the target and every one of targets: the target feed's GIN lookup.
  target_keys text[] NOT NULL DEFAULT '{}',
  workspace_id text,
  summary text,
  metadata jsonb NOT NULL DEFAULT '{}',
  changes jsonb,
  changed_fields text[] NOT NULL DEFAULT '{}',
  context jsonb,
  occurred_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  prev_hash text,
  hash text NOT NULL,
  search_text text NOT NULL,
  PRIMARY KEY (project_id, seq)
);
CREATE UNIQUE INDEX events_id ON events (project_id, id);
CREATE INDEX events_action ON events (project_id, action, seq);
CREATE INDEX events_actor_id ON events (project_id, actor_id, seq);
CREATE INDEX events_actor_type ON events (project_id, actor_type, seq);
CREATE INDEX events_target ON events (project_id, target_type, target_id, seq);
CREATE INDEX events_workspace ON events (project_id, workspace_id, seq);
CREATE INDEX events_occurred_at ON events (project_id, occurred_at);
CREATE INDEX events_changed_fields ON events USING gin (changed_fields);
CREATE INDEX events_target_keys ON events USING gin (target_keys);
CREATE INDEX events_search ON events USING gin (search_text gin_trgm_ops);

CREATE FUNCTION chronicle_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('chronicle.purge', true), '') <> 'on' THEN
    RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION chronicle_events_append_only();

CREATE TABLE idempotency_keys (
  project_id text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, key)
);

CREATE TABLE rate_limits (
  project_id text NOT NULL,
  subject text NOT NULL,
  window_start timestamptz NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (project_id, subject, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

CREATE TABLE actions (
  project_id text NOT NULL,
  action text COLLATE "C" NOT NULL,
  description text,
  metadata_schema jsonb,
  defined_at timestamptz,
  count bigint NOT NULL DEFAULT 0,
  first_seen_at timestamptz,
  last_seen_at timestamptz,
  PRIMARY KEY (project_id, action)
);

CREATE TABLE workspaces (
  project_id text NOT NULL,
  workspace_id text NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  PRIMARY KEY (project_id, workspace_id)
);
`;
