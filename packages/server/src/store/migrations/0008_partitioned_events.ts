/**
 * Events partitioned by receipt time (`created_at`, the database's clock read under the
 * project lock, so it follows seq order within a project), natively: every index stays
 * the size of one partition's rows, and retention drops a whole partition instead of
 * deleting its rows (docs/scaling.md, docs/guides/retention.md).
 *
 * What enforces what, now that a unique key must include `created_at`:
 * - `(project_id, seq)` is unique because the append reserves seq under the project's row
 *   lock (`projects.last_seq`); the primary key `(project_id, seq, created_at)` serves the
 *   seq lookups and ranges, and refuses an exact duplicate row.
 * - `(project_id, id)` is unique because ids are minted by the server (`newId`, a ULID
 *   monotonic per process with 80 random bits); `events_id` serves the lookups.
 *
 * Layout: partitions of one width (`day`, `week` or `month`; the migration makes months)
 * named the way pg_partman names them (`events_p2026_12`, `events_p2026w49`,
 * `events_p2026_12_02`), so pg_partman can take the set over, and a DEFAULT partition, so
 * that no insert fails when maintenance fell behind; `chronicle_create_event_partitions`
 * moves such rows into their own partition when it creates it. Partitions are created and
 * dropped only by the functions below, with the owner's rights; each carries the
 * append-only guard (a statement trigger on the parent does not fire for a statement on a
 * partition).
 */
export const partitionedEvents = `
DROP INDEX events_id;
DROP INDEX events_action;
DROP INDEX events_actor_id;
DROP INDEX events_actor_type;
DROP INDEX events_target;
DROP INDEX events_workspace;
DROP INDEX events_occurred_at;
DROP INDEX events_changed_fields;
DROP INDEX events_target_keys;
DROP INDEX events_search;
DROP TRIGGER events_append_only ON events;
ALTER TABLE events RENAME TO events_unpartitioned;
ALTER TABLE events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey;

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
  search_text text NOT NULL
) PARTITION BY RANGE (created_at);

-- The range partitions of events, oldest first, with their bounds.
CREATE FUNCTION chronicle_event_partitions()
RETURNS TABLE (name text, lower_bound timestamptz, upper_bound timestamptz)
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT c.relname::text,
    substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM [(]''([^'']+)''[)]')::timestamptz,
    substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO [(]''([^'']+)''[)]')::timestamptz
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'events'::regclass
    AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
  ORDER BY 2;
$$;

CREATE FUNCTION chronicle_guard_event_partition(p_partition text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger
                 WHERE tgrelid = p_partition::regclass AND tgname = 'events_append_only') THEN
    EXECUTE format('CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON %I '
      'FOR EACH STATEMENT EXECUTE FUNCTION chronicle_owner_only()', p_partition);
  END IF;
END;
$$;

-- Creates one partition, detached then attached (ATTACH takes a lock that lets inserts go
-- on, CREATE … PARTITION OF one that does not), after the default partition's rows for its
-- range moved into it.
CREATE FUNCTION chronicle_create_event_partition(
  p_name text, p_lower timestamptz, p_upper timestamptz
) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  EXECUTE format('CREATE TABLE %I (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
    'INCLUDING STORAGE)', p_name);
  PERFORM set_config('chronicle.purge', 'on', true);
  EXECUTE format('WITH moved AS (DELETE FROM events_default WHERE created_at >= $1 '
    'AND created_at < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved', p_name)
    USING p_lower, p_upper;
  PERFORM set_config('chronicle.purge', 'off', true);
  EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
    p_name, p_lower, p_upper);
  PERFORM chronicle_guard_event_partition(p_name);
END;
$$;

-- Creates the partitions of width p_width that [p_from, p_until) needs beyond the ones
-- there are (before the first, after the last; aligned to the width in UTC when there are
-- none); returns how many it created.
CREATE FUNCTION chronicle_create_event_partitions(
  p_width text, p_from timestamptz, p_until timestamptz
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_step interval;
  v_first timestamptz;
  v_last timestamptz;
  v_next timestamptz;
  v_format text;
  v_created integer := 0;
BEGIN
  IF p_width IS NULL OR p_width NOT IN ('day', 'week', 'month') THEN
    RAISE EXCEPTION 'the events partition width is day, week or month, not %', p_width
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- One creator at a time across replicas.
  PERFORM pg_advisory_xact_lock(4242008);
  v_step := ('1 ' || p_width)::interval;
  v_format := CASE p_width WHEN 'month' THEN 'YYYY_MM' WHEN 'week' THEN 'IYYY"w"IW'
    ELSE 'YYYY_MM_DD' END;
  SELECT min(lower_bound), max(upper_bound) INTO v_first, v_last
    FROM chronicle_event_partitions();
  IF v_first IS NULL THEN
    v_first := date_trunc(p_width, p_from, 'UTC');
    v_last := v_first;
  END IF;
  WHILE v_first > p_from LOOP
    v_next := ((v_first AT TIME ZONE 'UTC') - v_step) AT TIME ZONE 'UTC';
    PERFORM chronicle_create_event_partition(
      'events_p' || to_char(v_next AT TIME ZONE 'UTC', v_format), v_next, v_first);
    v_created := v_created + 1;
    v_first := v_next;
  END LOOP;
  WHILE v_last < p_until LOOP
    v_next := ((v_last AT TIME ZONE 'UTC') + v_step) AT TIME ZONE 'UTC';
    PERFORM chronicle_create_event_partition(
      'events_p' || to_char(v_last AT TIME ZONE 'UTC', v_format), v_last, v_next);
    v_created := v_created + 1;
    v_last := v_next;
  END LOOP;
  RETURN v_created;
END;
$$;
REVOKE ALL ON FUNCTION chronicle_create_event_partitions(text, timestamptz, timestamptz) FROM PUBLIC;

CREATE TABLE events_default PARTITION OF events DEFAULT;
SELECT chronicle_guard_event_partition('events_default');

SELECT chronicle_create_event_partitions('month',
  coalesce((SELECT min(created_at) FROM events_unpartitioned), now()),
  now() + interval '3 months');

INSERT INTO events SELECT * FROM events_unpartitioned;
DROP TABLE events_unpartitioned;

ALTER TABLE events ADD PRIMARY KEY (project_id, seq, created_at);
CREATE INDEX events_id ON events (project_id, id);
CREATE INDEX events_action ON events (project_id, action, seq);
CREATE INDEX events_actor_id ON events (project_id, actor_id, seq);
CREATE INDEX events_actor_type ON events (project_id, actor_type, seq);
CREATE INDEX events_target ON events (project_id, target_type, target_id, seq);
CREATE INDEX events_workspace ON events (project_id, workspace_id, seq);
CREATE INDEX events_occurred_at ON events (project_id, occurred_at) INCLUDE (seq);
CREATE INDEX events_changed_fields ON events USING gin (project_id, changed_fields)
  WITH (fastupdate = off);
CREATE INDEX events_target_keys ON events USING gin (project_id, target_keys)
  WITH (fastupdate = off);
CREATE INDEX events_search ON events USING gin (project_id, search_text gin_trgm_ops)
  WITH (gin_pending_list_limit = 256);
CREATE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION chronicle_owner_only();

-- The projects with rows in a partition (or a detached one), each with its first and last
-- seq there: a skip scan over the primary key, not a scan of the rows.
CREATE FUNCTION chronicle_event_partition_heads(p_partition text)
RETURNS TABLE (project_id text, first_seq bigint, last_seq bigint)
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH RECURSIVE ids AS (
      SELECT min(e.project_id) AS id FROM %1$I e
      UNION ALL
      SELECT (SELECT min(e.project_id) FROM %1$I e WHERE e.project_id > ids.id)
      FROM ids WHERE ids.id IS NOT NULL
    )
    SELECT ids.id, (SELECT min(e.seq) FROM %1$I e WHERE e.project_id = ids.id),
      (SELECT max(e.seq) FROM %1$I e WHERE e.project_id = ids.id)
    FROM ids WHERE ids.id IS NOT NULL$q$, p_partition);
END;
$$;

-- Whether a partition ending at p_upper can go at p_now: every project with rows in it has
-- retention_days and p_upper is that long ago, and its rows there start right after its
-- retention checkpoint (seqs are gap-free and receipt times follow them, so the rows
-- between its first and last there are all there: it is the project's next prefix).
CREATE FUNCTION chronicle_event_partition_expired(
  p_partition text, p_upper timestamptz, p_now timestamptz
) RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT p_upper <= p_now AND NOT EXISTS (
    SELECT 1 FROM chronicle_event_partition_heads(p_partition) h
    LEFT JOIN projects p ON p.project_id = h.project_id
    WHERE p.retention_days IS NULL
       OR p_upper > p_now - make_interval(days => p.retention_days)
       OR h.first_seq <> coalesce(p.checkpoint_seq, 0) + 1
  );
$$;

-- Drops a partition when every row in it is past its project's retention and is the
-- project's next prefix, moving each project's retention checkpoint to its last row there
-- (seq and hash, read from the rows themselves). The project rows are locked before the
-- table (an append locks its project before it inserts), and the table's lock is waited
-- for at most p_lock_timeout: detaching needs a lock that stops inserts (CONCURRENTLY is
-- refused while a DEFAULT partition exists), so it is taken only when it comes at once,
-- held for milliseconds, and otherwise tried again on the next run. Returns one row per
-- project whose events went; none when the partition stayed.
CREATE FUNCTION chronicle_drop_event_partition(
  p_partition text, p_now timestamptz, p_lock_timeout text
) RETURNS TABLE (project_id text, purged bigint, checkpoint_seq bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_lower timestamptz;
  v_upper timestamptz;
  v_timeout text;
BEGIN
  SELECT b.lower_bound, b.upper_bound INTO v_lower, v_upper
    FROM chronicle_event_partitions() b WHERE b.name = p_partition;
  IF v_upper IS NULL THEN
    RETURN;
  END IF;
  IF NOT chronicle_event_partition_expired(p_partition, v_upper, p_now) THEN
    RETURN;
  END IF;
  PERFORM 1 FROM projects p
    WHERE p.project_id IN (SELECT h.project_id FROM chronicle_event_partition_heads(p_partition) h)
    ORDER BY p.project_id FOR UPDATE;
  v_timeout := current_setting('lock_timeout');
  PERFORM set_config('lock_timeout', p_lock_timeout, true);
  EXECUTE format('ALTER TABLE events DETACH PARTITION %I', p_partition);
  PERFORM set_config('lock_timeout', v_timeout, true);
  -- Each project's rows there must be the prefix left after its checkpoint: no row of it
  -- before its last one there may stay behind (in the default partition, say).
  IF EXISTS (
    SELECT 1 FROM chronicle_event_partition_heads(p_partition) h
    JOIN projects p ON p.project_id = h.project_id
    WHERE EXISTS (SELECT 1 FROM events e WHERE e.project_id = h.project_id
                  AND e.seq > coalesce(p.checkpoint_seq, 0) AND e.seq < h.last_seq)
  ) THEN
    EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
      p_partition, v_lower, v_upper);
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format($q$
    WITH heads AS (
      SELECT h.project_id, h.last_seq, coalesce(p.checkpoint_seq, 0) AS old_seq, e.hash
      FROM chronicle_event_partition_heads(%1$L) h
      JOIN projects p ON p.project_id = h.project_id
      JOIN %1$I e ON e.project_id = h.project_id AND e.seq = h.last_seq
      WHERE h.last_seq > coalesce(p.checkpoint_seq, 0)
    ), moved AS (
      UPDATE projects p SET checkpoint_seq = heads.last_seq, checkpoint_hash = heads.hash
      FROM heads WHERE p.project_id = heads.project_id
      RETURNING p.project_id
    )
    SELECT heads.project_id, heads.last_seq - heads.old_seq, heads.last_seq
    FROM heads JOIN moved ON moved.project_id = heads.project_id$q$, p_partition);
  EXECUTE format('DROP TABLE %I', p_partition);
END;
$$;
REVOKE ALL ON FUNCTION chronicle_drop_event_partition(text, timestamptz, text) FROM PUBLIC;
`;
