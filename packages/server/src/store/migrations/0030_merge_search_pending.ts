/**
 * `chronicle_merge_search_pending(indexes)` moves the pending list of the trigram index
 * (`events_search`) into the index proper, for the partitions appends write to now, so that
 * the server can do it beside the appends rather than inside one (bench/FINDINGS.md B44).
 *
 * The trigram index keeps a small pending list (256 kB, B7) that inserts append to and
 * whichever insert finds it full merges, in its own statement. A project's appends commit
 * in seq order (migration 0014), so the append that happened to merge held back every
 * append of the project queued behind it: 100-event batches waited 40 % of their statement
 * for a predecessor that was merging. Merged by this function in a session of its own, the
 * list is mostly being merged when an insert finds it full, and an insert then leaves the
 * merge to that session (PostgreSQL skips a merge already under way).
 *
 * One merge at a time across sessions and replicas: a call that finds another under way
 * returns NULL at once instead of queueing behind it. Merging needs the index's owner, so
 * the function runs with the owner's rights; it merges only partitions of the search index,
 * whatever the caller names. Which partitions appends write to now comes from
 * `chronicle_search_merge_targets()`, called on its own and rarely: reading partition bounds
 * locks every partition for a moment, and a merge holding those locks for its whole length
 * would make a retention detach, which gives up after 100 ms, give up.
 */
export const mergeSearchPending = `
CREATE FUNCTION chronicle_search_merge_targets() RETURNS regclass[]
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
  SELECT coalesce(array_agg(x.indexrelid::regclass), '{}')
  FROM pg_inherits AS i
  JOIN pg_index AS x ON x.indexrelid = i.inhrelid
  WHERE i.inhparent = 'events_search'::regclass
    AND (x.indrelid = to_regclass('events_default')
      OR x.indrelid IN (
        SELECT to_regclass(quote_ident(p.name)) FROM chronicle_event_partitions() AS p
        WHERE p.lower_bound <= now() + interval '2 minutes'
          AND p.upper_bound > now() - interval '1 minute'));
$$;

CREATE FUNCTION chronicle_merge_search_pending(p_indexes regclass[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_index regclass;
  v_pages bigint := 0;
BEGIN
  IF NOT pg_try_advisory_xact_lock(4242030) THEN
    RETURN NULL;
  END IF;
  FOR v_index IN
    SELECT i.inhrelid::regclass FROM pg_inherits AS i
    WHERE i.inhparent = 'events_search'::regclass AND i.inhrelid = ANY (p_indexes::oid[])
  LOOP
    v_pages := v_pages + gin_clean_pending_list(v_index);
  END LOOP;
  RETURN v_pages;
END;
$$;
REVOKE ALL ON FUNCTION chronicle_merge_search_pending(regclass[]) FROM PUBLIC;
`;
