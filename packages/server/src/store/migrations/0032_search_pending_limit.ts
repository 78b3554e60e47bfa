import { partitionStatistics } from "./0016_partition_statistics.js";

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
const guardBody = `BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger`;
const guardEnd = `    left(p_partition, 48) || '_on_behalf_of', p_partition);
END;
$$;`;

const searchLimit = `    left(p_partition, 48) || '_on_behalf_of', p_partition);
  SELECT x.indexrelid::regclass INTO v_search
  FROM pg_index AS x JOIN pg_inherits AS i ON i.inhrelid = x.indexrelid
  WHERE i.inhparent = to_regclass('events_search') AND x.indrelid = p_partition::regclass;
  IF v_search IS NOT NULL THEN
    EXECUTE format('ALTER INDEX %s SET (gin_pending_list_limit = 1024)', v_search);
  END IF;
END;
$$;`;

// Migration 0016's function with the lines above added, rather than its body restated.
const guardFunction = partitionStatistics.slice(
  partitionStatistics.indexOf("CREATE OR REPLACE FUNCTION"),
  partitionStatistics.indexOf(guardEnd) + guardEnd.length,
);
if (
  !partitionStatistics.includes(guardEnd) ||
  !guardFunction.includes(guardBody) ||
  !guardFunction.startsWith("CREATE")
) {
  throw new Error("migration 0032: migration 0016's chronicle_guard_event_partition was not found");
}

export const searchPendingLimit = `
${guardFunction
  .replace(guardBody, `DECLARE\n  v_search regclass;\n${guardBody}`)
  .replace(guardEnd, () => searchLimit)}

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
