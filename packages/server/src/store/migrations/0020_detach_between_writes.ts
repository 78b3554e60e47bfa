/**
 * Detaching an expired partition no longer queues for the lock on `events`. `DETACH
 * PARTITION` needs `ACCESS EXCLUSIVE` on the table; requested while appends are in flight
 * (they hold `ROW EXCLUSIVE` until they commit), the request waited for them and every new
 * append queued behind it, so ingest stopped for as long as the longest append in flight
 * took, then for the detach and its commit (bench/FINDINGS.md B18, B24, B26). Now the lock
 * is asked for with `NOWAIT`, again every 2 ms, so it is taken in a moment when no write
 * holds the table and no append ever waits behind the request; only when no such moment
 * came within the caller's timeout is it queued for, as before, for at most that timeout
 * again (a busy table must not keep a partition forever). Checks, locks, checkpoints,
 * records and the removal guard are migration 0015's, unchanged.
 */
export const detachBetweenWrites = `
-- Takes ACCESS EXCLUSIVE on events without queueing ahead of writers for p_timeout, then
-- queueing for it at most p_timeout more (SQLSTATE 55P03 when not granted). Locks taken in
-- the block's subtransaction stay with the caller's transaction.
CREATE FUNCTION chronicle_lock_events_between_writes(p_timeout interval) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_until timestamptz := clock_timestamp() + p_timeout;
  v_timeout text := current_setting('lock_timeout');
BEGIN
  LOOP
    BEGIN
      LOCK TABLE events IN ACCESS EXCLUSIVE MODE NOWAIT;
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      IF clock_timestamp() >= v_until THEN
        EXIT;
      END IF;
    END;
    PERFORM pg_sleep(0.002);
  END LOOP;
  PERFORM set_config('lock_timeout',
    (ceil(extract(epoch FROM p_timeout) * 1000))::bigint::text || 'ms', true);
  LOCK TABLE events IN ACCESS EXCLUSIVE MODE;
  PERFORM set_config('lock_timeout', v_timeout, true);
END;
$$;
REVOKE ALL ON FUNCTION chronicle_lock_events_between_writes(interval) FROM PUBLIC;

CREATE OR REPLACE FUNCTION chronicle_drop_event_partition(p_partition text, p_lock_timeout text)
RETURNS TABLE (project_id text, purged bigint, checkpoint_seq bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_lower timestamptz;
  v_upper timestamptz;
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
  PERFORM chronicle_lock_events_between_writes(p_lock_timeout::interval);
  EXECUTE format('ALTER TABLE events DETACH PARTITION %I', p_partition);
  EXECUTE format('ALTER TABLE %I RENAME TO %I', p_partition, 'events_expired_' || p_partition);
  RETURN QUERY SELECT h.project_id, h.last_seq - h.old_seq, h.last_seq
    FROM unnest(v_projects, v_last, v_old) AS h (project_id, last_seq, old_seq);
END;
$$;
`;
