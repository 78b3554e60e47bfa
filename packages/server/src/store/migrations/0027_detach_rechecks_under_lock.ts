import { dropEventPartition } from "./0024_detach_locks_its_tables.js";

/**
 * The partition drop read which projects have rows in the partition (and locked those
 * projects' rows) before it took the detach's table locks. An append of a project with no
 * row there yet took no lock the drop held, so it could commit into the partition in
 * between and be detached with it: gone without a checkpoint or a report. Under the locks
 * the partition's heads are now read again; if they changed, the drop gives up as for a
 * busy lock (SQLSTATE 55P03, everything it did rolled back) and the next purge run retries.
 * Receipt times follow the database's clock, so in production only a partition still being
 * written (a clock that moved back, the default partition) could meet such an append.
 */
const lockCall = "PERFORM chronicle_lock_detach(p_partition, p_lock_timeout::interval);";
const functionEnd = "\n$$;";

if (!dropEventPartition.includes(lockCall)) {
  throw new Error("migration 0027: migration 0024's partition drop was not found");
}

const recheck = `${lockCall}
  IF EXISTS (
    SELECT 1 FROM chronicle_event_partition_heads(p_partition) h
    WHERE array_position(v_projects, h.project_id) IS NULL
       OR v_last[array_position(v_projects, h.project_id)] <> h.last_seq
  ) THEN
    RAISE EXCEPTION 'rows were added to % while it was being detached', p_partition
      USING ERRCODE = 'lock_not_available';
  END IF;`;

const dropFunction = dropEventPartition.slice(
  0,
  dropEventPartition.indexOf(functionEnd) + functionEnd.length,
);

export const detachRechecksUnderLock = `
${dropFunction.replace(lockCall, recheck).trim()}
`;
