/**
 * Log streams: push delivery of a project's events to a webhook, Splunk HEC or Datadog.
 * `cursor_seq` is the last seq the destination acknowledged (durable, per stream); the
 * `pending_*` columns pin the batch in flight, so that a retry (by this process or the one
 * that takes the lease over) resends the same events under the same `webhook-id`.
 * `lease_owner` / `lease_expires_at` make exactly one process deliver a stream at a time.
 */
export const streams = `
CREATE TABLE streams (
  project_id text NOT NULL REFERENCES projects (project_id),
  stream_id text NOT NULL,
  name text NOT NULL,
  destination_type text NOT NULL,
  destination jsonb NOT NULL,
  credentials text NOT NULL,
  filters jsonb NOT NULL,
  batch jsonb NOT NULL,
  status text NOT NULL,
  paused_reason text,
  paused_at timestamptz,
  cursor_seq bigint NOT NULL,
  pending_id text,
  pending_last_seq bigint,
  attempts integer NOT NULL DEFAULT 0,
  failing_since timestamptz,
  next_attempt_at timestamptz,
  last_error text,
  last_delivery_at timestamptz,
  lease_owner text,
  lease_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, stream_id)
);

CREATE INDEX streams_active ON streams (status, lease_expires_at);

CREATE TABLE stream_deliveries (
  project_id text NOT NULL,
  stream_id text NOT NULL,
  delivery_id text NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL,
  message_id text NOT NULL,
  first_seq bigint,
  last_seq bigint,
  event_count integer NOT NULL,
  status_code integer,
  latency_ms integer NOT NULL,
  outcome text NOT NULL,
  error text,
  PRIMARY KEY (project_id, stream_id, delivery_id)
);
`;
