/**
 * The trigram index's pending list may hold 1 MB instead of 256 kB, on every partition.
 * An insert that finds the list full merges it into the index inside its append, and the
 * project's later appends wait for that append (B44 moved this beside the appends for
 * batches only). At 256 kB a single-event append merged about every 50 ms of ingest, a
 * third to a half of the append backend's time (bench/FINDINGS.md B57); a merge rewrites
 * the posting list of every trigram it holds, so four times fewer merges do less work in
 * all: single events at one project 805 → 984 req/s on a seeded database (B58). Searches
 * read the pending list whole (B7), so a larger limit costs each search that reads a
 * partition's index up to ~3 ms more (128 pages, against 12 ms at PostgreSQL's default
 * 4 MB, which bought single events 13 % more).
 *
 * A partitioned index's options cannot be altered, and a new partition copies the
 * parent's: the per-partition setup (chronicle_guard_event_partition, which pg_partman's
 * partitions get too) sets it on each partition's index.
 */
export const searchPendingLimit = `
CREATE OR REPLACE FUNCTION chronicle_guard_event_partition(p_partition text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_search regclass;
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
  SELECT x.indexrelid::regclass INTO v_search
  FROM pg_index AS x JOIN pg_inherits AS i ON i.inhrelid = x.indexrelid
  WHERE i.inhparent = to_regclass('events_search') AND x.indrelid = p_partition::regclass;
  IF v_search IS NOT NULL THEN
    EXECUTE format('ALTER INDEX %s SET (gin_pending_list_limit = 1024)', v_search);
  END IF;
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
  END LOOP;
END;
$$;
`;
