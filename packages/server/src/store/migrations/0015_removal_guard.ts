/**
 * Removals decided by the database alone (docs/security.md). The owner's functions that
 * remove events took "now" from their caller and trusted `retention_days` and `purge_after`,
 * which the app role may update, so the app role's credentials could remove events early
 * and unrecorded. Now:
 * - `removal_policy`, one row the app role may only read: the floors for retention
 *   (`min_retention_days`, 1 by default, the contract's minimum) and for the deletion grace
 *   period (`min_deletion_grace_days`, 7 by default, the documented grace), and
 *   `clock_offset`, which moves the clock removals are decided by (0; rehearsals and tests
 *   move it forward instead of waiting days). Its changes are recorded in `operator_log`.
 * - `chronicle_removal_now()` is that clock: the database's `now()` plus the offset. Every
 *   removal function reads it; none takes a time from its caller any more
 *   (`chronicle_drop_event_partition` loses its `p_now`).
 * - `chronicle_purge_events` removes only the prefix received before the cut-off (the
 *   project's retention, never less than the floor): a `p_to` beyond it is cut back.
 * - `chronicle_purge_project` removes a project only when its `purge_after` has passed and
 *   its deletion was requested at least the floor's grace ago; `deletion_requested_at` is
 *   stamped with the database's clock by a trigger whatever a statement writes, so it cannot
 *   be back-dated.
 * - Each removal writes its own `operator_log` row in the same transaction (what, which
 *   project, which seqs or partition, how many events, the checkpoint kept, the session's
 *   role), so no removal commits without its record; a trigger records every change of a
 *   project's `retention_days` and deletion times the same way.
 * - `operator_log` carries the append-only guard of the other audit tables.
 */
export const removalGuard = `
CREATE TABLE removal_policy (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  min_retention_days integer NOT NULL DEFAULT 1 CHECK (min_retention_days >= 1),
  min_deletion_grace_days integer NOT NULL DEFAULT 7 CHECK (min_deletion_grace_days >= 0),
  clock_offset interval NOT NULL DEFAULT '0 seconds'
);
INSERT INTO removal_policy DEFAULT VALUES;

-- Read with the owner's rights, so a role without rights on the table gets the policy too;
-- a missing row means the defaults.
CREATE FUNCTION chronicle_removal_now() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT now() + coalesce((SELECT clock_offset FROM removal_policy), interval '0 seconds');
$$;

CREATE FUNCTION chronicle_min_retention_days() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT coalesce((SELECT min_retention_days FROM removal_policy), 1);
$$;

CREATE FUNCTION chronicle_min_deletion_grace_days() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT coalesce((SELECT min_deletion_grace_days FROM removal_policy), 7);
$$;

CREATE FUNCTION chronicle_removal_policy_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO operator_log (action, project_id, detail) VALUES ('removal_policy.changed', '*',
    jsonb_build_object('from', to_jsonb(OLD), 'to', to_jsonb(NEW), 'by', session_user));
  RETURN NULL;
END;
$$;
CREATE TRIGGER removal_policy_changed AFTER UPDATE ON removal_policy
  FOR EACH ROW EXECUTE FUNCTION chronicle_removal_policy_changed();

CREATE TRIGGER operator_log_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON operator_log
  FOR EACH STATEMENT EXECUTE FUNCTION chronicle_owner_only();

-- A deletion request carries the database's time, whatever the statement wrote; changes of
-- retention and of the deletion times are recorded.
CREATE FUNCTION chronicle_project_removal_times() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_old_retention integer;
  v_old_requested timestamptz;
  v_old_purge timestamptz;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    v_old_retention := OLD.retention_days;
    v_old_requested := OLD.deletion_requested_at;
    v_old_purge := OLD.purge_after;
  END IF;
  IF NEW.deletion_requested_at IS DISTINCT FROM v_old_requested
     AND NEW.deletion_requested_at IS NOT NULL THEN
    NEW.deletion_requested_at := now();
  END IF;
  IF NEW.retention_days IS DISTINCT FROM v_old_retention THEN
    INSERT INTO operator_log (action, project_id, detail) VALUES ('project.retention_changed',
      NEW.project_id, jsonb_build_object('from', v_old_retention, 'to', NEW.retention_days,
        'by', session_user));
  END IF;
  IF NEW.deletion_requested_at IS DISTINCT FROM v_old_requested
     OR NEW.purge_after IS DISTINCT FROM v_old_purge THEN
    INSERT INTO operator_log (action, project_id, detail) VALUES ('project.deletion_times_changed',
      NEW.project_id, jsonb_build_object(
        'deletion_requested_at', jsonb_build_object('from', v_old_requested,
          'to', NEW.deletion_requested_at),
        'purge_after', jsonb_build_object('from', v_old_purge, 'to', NEW.purge_after),
        'by', session_user));
  END IF;
  RETURN NEW;
END;
$$;
-- Only statements that name these columns fire it (not the appends' head updates).
CREATE TRIGGER projects_removal_times
  BEFORE INSERT OR UPDATE OF retention_days, deletion_requested_at, purge_after ON projects
  FOR EACH ROW EXECUTE FUNCTION chronicle_project_removal_times();

CREATE OR REPLACE FUNCTION chronicle_purge_events(p_project text, p_to bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_from bigint;
  v_retention integer;
  v_cutoff timestamptz;
  v_to bigint;
  v_hash text;
  v_count bigint;
BEGIN
  SELECT coalesce(checkpoint_seq, 0) + 1,
      greatest(retention_days, chronicle_min_retention_days())
    INTO v_from, v_retention FROM projects
    WHERE project_id = p_project AND retention_days IS NOT NULL FOR UPDATE;
  IF v_from IS NULL OR p_to < v_from THEN
    RETURN 0;
  END IF;
  v_cutoff := chronicle_removal_now() - make_interval(days => v_retention);
  v_to := p_to;
  SELECT hash INTO v_hash FROM events WHERE project_id = p_project AND seq = v_to;
  IF v_hash IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM set_config('chronicle.purge', 'on', true);
  -- The delete itself spares every row received at or after the cut-off. Usually none is in
  -- the range (receipt times follow seq), and then it deleted one row per seq: the range
  -- went whole. Otherwise it is undone, and the range cut back to the first such row (a
  -- scan of the range the common case does without).
  BEGIN
    DELETE FROM events WHERE project_id = p_project AND seq >= v_from AND seq <= v_to
      AND created_at < v_cutoff;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> v_to - v_from + 1 THEN
      RAISE EXCEPTION USING ERRCODE = 'CHR01';
    END IF;
  EXCEPTION WHEN SQLSTATE 'CHR01' THEN
    SELECT coalesce(min(seq) - 1, p_to) INTO v_to FROM events
      WHERE project_id = p_project AND seq >= v_from AND seq <= p_to AND created_at >= v_cutoff;
    v_hash := NULL;
    SELECT hash INTO v_hash FROM events WHERE project_id = p_project AND seq = v_to;
    IF v_to < v_from OR v_hash IS NULL THEN
      PERFORM set_config('chronicle.purge', 'off', true);
      RETURN 0;
    END IF;
    DELETE FROM events WHERE project_id = p_project AND seq >= v_from AND seq <= v_to
      AND created_at < v_cutoff;
    GET DIAGNOSTICS v_count = ROW_COUNT;
  END;
  PERFORM set_config('chronicle.purge', 'off', true);
  UPDATE projects SET checkpoint_seq = v_to, checkpoint_hash = v_hash
    WHERE project_id = p_project;
  INSERT INTO operator_log (action, project_id, detail) VALUES ('events.purged', p_project,
    jsonb_build_object('from_seq', v_from, 'to_seq', v_to, 'events', v_count,
      'retention_days', v_retention, 'cutoff', v_cutoff, 'checkpoint_seq', v_to,
      'checkpoint_hash', v_hash, 'by', session_user));
  RETURN v_count;
END;
$$;

-- Whether a partition ending at p_upper can go now: every project with rows in it has a
-- retention (never less than the floor) that long ago, and its rows there are its next
-- prefix (migration 0008).
DROP FUNCTION chronicle_event_partition_expired(text, timestamptz, timestamptz);
CREATE FUNCTION chronicle_event_partition_expired(p_partition text, p_upper timestamptz)
RETURNS boolean
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT p_upper <= chronicle_removal_now() AND NOT EXISTS (
    SELECT 1 FROM chronicle_event_partition_heads(p_partition) h
    LEFT JOIN projects p ON p.project_id = h.project_id
    WHERE p.retention_days IS NULL
       OR p_upper > chronicle_removal_now()
         - make_interval(days => greatest(p.retention_days, chronicle_min_retention_days()))
       OR h.first_seq <> coalesce(p.checkpoint_seq, 0) + 1
  );
$$;

-- Migration 0013's drop, on the database's clock, recording each project's removal.
CREATE FUNCTION chronicle_drop_event_partition(p_partition text, p_lock_timeout text)
RETURNS TABLE (project_id text, purged bigint, checkpoint_seq bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_lower timestamptz;
  v_upper timestamptz;
  v_timeout text;
  v_head record;
  v_projects text[] := '{}';
  v_last bigint[] := '{}';
  v_old bigint[] := '{}';
  v_hashes text[] := '{}';
BEGIN
  SELECT b.lower_bound, b.upper_bound INTO v_lower, v_upper
    FROM chronicle_event_partitions() b WHERE b.name = p_partition;
  IF v_upper IS NULL OR NOT chronicle_event_partition_expired(p_partition, v_upper) THEN
    RETURN;
  END IF;
  -- A table of that name detached earlier and left behind (a run stopped halfway).
  EXECUTE format('DROP TABLE IF EXISTS %I', 'events_expired_' || p_partition);
  PERFORM 1 FROM projects p
    WHERE p.project_id IN (SELECT h.project_id FROM chronicle_event_partition_heads(p_partition) h)
    ORDER BY p.project_id FOR UPDATE;
  -- Checked again under the locks: another purge may have moved a checkpoint meanwhile.
  IF NOT chronicle_event_partition_expired(p_partition, v_upper) THEN
    RETURN;
  END IF;
  -- Each project's rows there must be the prefix left after its checkpoint: no row of it
  -- before its last one there may be elsewhere (in the default partition, say).
  FOR v_head IN EXECUTE format($q$
    SELECT h.project_id, h.last_seq, coalesce(p.checkpoint_seq, 0) AS old_seq, e.hash
    FROM chronicle_event_partition_heads(%1$L) h
    JOIN projects p ON p.project_id = h.project_id
    JOIN %1$I e ON e.project_id = h.project_id AND e.seq = h.last_seq$q$, p_partition)
  LOOP
    IF EXISTS (
      SELECT 1 FROM events e
      WHERE e.project_id = v_head.project_id
        AND e.seq > v_head.old_seq AND e.seq < v_head.last_seq
        AND (e.created_at < v_lower OR e.created_at >= v_upper)
    ) THEN
      RETURN;
    END IF;
    v_projects := v_projects || v_head.project_id;
    v_last := v_last || v_head.last_seq;
    v_old := v_old || v_head.old_seq;
    v_hashes := v_hashes || v_head.hash;
  END LOOP;
  UPDATE projects p SET checkpoint_seq = h.last_seq, checkpoint_hash = h.hash
    FROM unnest(v_projects, v_last, v_hashes) AS h (project_id, last_seq, hash)
    WHERE p.project_id = h.project_id;
  INSERT INTO operator_log (action, project_id, detail)
    SELECT 'events.partition_dropped', h.project_id,
      jsonb_build_object('partition', p_partition, 'lower', v_lower, 'upper', v_upper,
        'from_seq', h.old_seq + 1, 'to_seq', h.last_seq, 'events', h.last_seq - h.old_seq,
        'checkpoint_seq', h.last_seq, 'checkpoint_hash', h.hash, 'by', session_user)
    FROM unnest(v_projects, v_last, v_old, v_hashes) AS h (project_id, last_seq, old_seq, hash);
  v_timeout := current_setting('lock_timeout');
  PERFORM set_config('lock_timeout', p_lock_timeout, true);
  EXECUTE format('ALTER TABLE events DETACH PARTITION %I', p_partition);
  PERFORM set_config('lock_timeout', v_timeout, true);
  EXECUTE format('ALTER TABLE %I RENAME TO %I', p_partition, 'events_expired_' || p_partition);
  RETURN QUERY SELECT h.project_id, h.last_seq - h.old_seq, h.last_seq
    FROM unnest(v_projects, v_last, v_old) AS h (project_id, last_seq, old_seq);
END;
$$;
REVOKE ALL ON FUNCTION chronicle_drop_event_partition(text, text) FROM PUBLIC;

-- Roles that could drop partitions the old way (grant-app-role) can the new way.
DO $$
DECLARE
  v_role text;
BEGIN
  FOR v_role IN
    SELECT DISTINCT grantee FROM information_schema.role_routine_grants
    WHERE routine_schema = current_schema() AND routine_name = 'chronicle_drop_event_partition'
      AND privilege_type = 'EXECUTE' AND grantee <> current_user AND grantee <> 'PUBLIC'
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION chronicle_drop_event_partition(text, text) TO %I',
      v_role);
  END LOOP;
END;
$$;
DROP FUNCTION chronicle_drop_event_partition(text, timestamptz, text);

CREATE OR REPLACE FUNCTION chronicle_purge_project(p_project text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_project projects%ROWTYPE;
  v_tables regclass[];
  v_table regclass;
  v_progress boolean;
  v_count bigint;
  v_total bigint := 0;
BEGIN
  SELECT * INTO v_project FROM projects
    WHERE project_id = p_project
      AND purge_after IS NOT NULL AND purge_after <= chronicle_removal_now()
      AND deletion_requested_at IS NOT NULL
      AND deletion_requested_at <= chronicle_removal_now()
        - make_interval(days => chronicle_min_deletion_grace_days())
    FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  SELECT array_agg(c.oid::regclass) INTO v_tables
    FROM pg_class c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'project_id' AND NOT a.attisdropped
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition AND c.relname NOT IN ('projects', 'operator_log');
  PERFORM set_config('chronicle.purge', 'on', true);
  WHILE coalesce(array_length(v_tables, 1), 0) > 0 LOOP
    v_progress := false;
    FOREACH v_table IN ARRAY v_tables LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f'
          AND f.confrelid = v_table AND f.conrelid <> v_table AND f.conrelid = ANY(v_tables)) THEN
        EXECUTE format('DELETE FROM %s WHERE project_id = $1', v_table) USING p_project;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_total := v_total + v_count;
        v_tables := array_remove(v_tables, v_table);
        v_progress := true;
      END IF;
    END LOOP;
    IF NOT v_progress THEN
      RAISE EXCEPTION 'the foreign keys between % form a cycle', v_tables;
    END IF;
  END LOOP;
  DELETE FROM projects WHERE project_id = p_project;
  PERFORM set_config('chronicle.purge', 'off', true);
  INSERT INTO operator_log (action, project_id, detail) VALUES ('project.purged', p_project,
    jsonb_build_object('name', v_project.name, 'slug', v_project.slug,
      'last_seq', v_project.last_seq, 'rows', v_total + 1,
      'deletion_requested_at', v_project.deletion_requested_at,
      'purge_after', v_project.purge_after, 'by', session_user));
  RETURN v_total + 1;
END;
$$;
`;
