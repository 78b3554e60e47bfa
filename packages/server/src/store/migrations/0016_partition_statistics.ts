/**
 * Statistics on the expressions that the partial indexes of migrations 0010 and 0013 hold
 * (`context->>'trace_id'`, `context->>'ip_address'`, `on_behalf_of->>'id'`), on every
 * partition of `events`. PostgreSQL keeps statistics for an index's expressions but does
 * not use those of a partial index for estimates, so a comparison with one of them was
 * guessed at 0.5 % of the rows whatever the value. For `actor_id = x OR on_behalf_of->>'id'
 * = x` (`include_on_behalf`, and the same `q=`) that guess made the planner walk the whole
 * project down seq instead of reading the few rows of both indexes: 131 ms against 7 ms at
 * 1 M events (bench/FINDINGS.md B25). Statistics exist per table, and the planner estimates
 * each partition with its own, so the per-partition setup (which also puts on the
 * append-only guard) creates them, and the partitions there are are analysed once.
 */
export const partitionStatistics = `
CREATE OR REPLACE FUNCTION chronicle_guard_event_partition(p_partition text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger
                 WHERE tgrelid = p_partition::regclass AND tgname = 'events_append_only') THEN
    EXECUTE format('CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON %I '
      'FOR EACH STATEMENT EXECUTE FUNCTION chronicle_owner_only()', p_partition);
  END IF;
  EXECUTE format('CREATE STATISTICS IF NOT EXISTS %I ON ((context->>''trace_id'')) FROM %I',
    left(p_partition, 48) || '_trace_id', p_partition);
  EXECUTE format('CREATE STATISTICS IF NOT EXISTS %I ON ((context->>''ip_address'')) FROM %I',
    left(p_partition, 48) || '_ip_address', p_partition);
  EXECUTE format('CREATE STATISTICS IF NOT EXISTS %I ON ((on_behalf_of->>''id'')) FROM %I',
    left(p_partition, 48) || '_on_behalf_of', p_partition);
END;
$$;

DO $$
DECLARE
  v_partition text;
BEGIN
  FOR v_partition IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'events'::regclass
  LOOP
    PERFORM chronicle_guard_event_partition(v_partition);
    EXECUTE format('ANALYZE %I', v_partition);
  END LOOP;
END;
$$;
`;
