/**
 * Events take less space, and dropping an expired partition no longer stops ingest for the
 * length of a scan.
 *
 * Indexes (bench/FINDINGS.md B19: each was 2.6-3 % of the events table at the bench's data):
 * - `events_outcome` and `events_correlation_id` hold only the rows that have a value: an
 *   event without an outcome or correlation id is found by no query through them (the
 *   filters compare with `=`, which a null never matches), and most events have neither;
 * - `events_id` is a hash index on the id alone (a 4-byte hash code per row instead of the
 *   project id and the id, 60 bytes): lookups by id are equality only, ids are minted unique
 *   by the server, and the query still requires the project, which the rows found must match.
 *
 * Purge:
 *
 * Migration 0008's `chronicle_drop_event_partition` detached the partition (a lock on
 * `events` that stops every insert), then checked with one query over the whole table that
 * no row of the partition's projects had stayed behind elsewhere (planned as a hash join
 * over every row of `events`: 0.4 s at 140 k rows, seconds at millions), then dropped the
 * table, all under that lock. Now:
 * - the checks run first, under the projects' row locks only (an append of those projects
 *   waits, nobody else does): seqs are gap-free and reserved under the project's lock, so
 *   with the project locked no row of it can appear, and a row moved out of the default
 *   partition stays in `events`; the "nothing left behind" check probes the primary key
 *   per project, with the partition's own range excluded so it is pruned away;
 * - the checkpoints move before the detach, in the same transaction;
 * - the detach (which takes the lock on `events`) is the last statement, and renames the
 *   table `events_expired_…`; the function returns, the transaction commits and the lock
 *   goes after milliseconds;
 * - the table's files are removed afterwards, in a transaction of their own, by
 *   `chronicle_drop_expired_event_partitions` (a detached table needs no lock on `events`
 *   to go); one left by a crash in between is dropped by the next run.
 */
export const eventStorage = `
DROP INDEX events_outcome;
CREATE INDEX events_outcome ON events (project_id, outcome, seq) WHERE outcome IS NOT NULL;
DROP INDEX events_correlation_id;
CREATE INDEX events_correlation_id ON events (project_id, correlation_id, seq)
  WHERE correlation_id IS NOT NULL;
DROP INDEX events_id;
CREATE INDEX events_id ON events USING hash (id);

CREATE OR REPLACE FUNCTION chronicle_drop_event_partition(
  p_partition text, p_now timestamptz, p_lock_timeout text
) RETURNS TABLE (project_id text, purged bigint, checkpoint_seq bigint)
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
  IF v_upper IS NULL OR NOT chronicle_event_partition_expired(p_partition, v_upper, p_now) THEN
    RETURN;
  END IF;
  -- A table of that name detached earlier and left behind (a run stopped halfway).
  EXECUTE format('DROP TABLE IF EXISTS %I', 'events_expired_' || p_partition);
  PERFORM 1 FROM projects p
    WHERE p.project_id IN (SELECT h.project_id FROM chronicle_event_partition_heads(p_partition) h)
    ORDER BY p.project_id FOR UPDATE;
  -- Checked again under the locks: another purge may have moved a checkpoint meanwhile.
  IF NOT chronicle_event_partition_expired(p_partition, v_upper, p_now) THEN
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
  v_timeout := current_setting('lock_timeout');
  PERFORM set_config('lock_timeout', p_lock_timeout, true);
  EXECUTE format('ALTER TABLE events DETACH PARTITION %I', p_partition);
  PERFORM set_config('lock_timeout', v_timeout, true);
  EXECUTE format('ALTER TABLE %I RENAME TO %I', p_partition, 'events_expired_' || p_partition);
  RETURN QUERY SELECT h.project_id, h.last_seq - h.old_seq, h.last_seq
    FROM unnest(v_projects, v_last, v_old) AS h (project_id, last_seq, old_seq);
END;
$$;

-- Drops the partitions chronicle_drop_event_partition detached (tables named
-- events_expired_… that are no partition of anything); how many.
CREATE FUNCTION chronicle_drop_expired_event_partitions() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_name text;
  v_dropped integer := 0;
BEGIN
  FOR v_name IN
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
      AND NOT c.relispartition AND c.relname LIKE 'events\\_expired\\_events\\_p%'
  LOOP
    EXECUTE format('DROP TABLE %I', v_name);
    v_dropped := v_dropped + 1;
  END LOOP;
  RETURN v_dropped;
END;
$$;
REVOKE ALL ON FUNCTION chronicle_drop_expired_event_partitions() FROM PUBLIC;
`;
