import { detachBetweenWrites } from "./0020_detach_between_writes.js";

/**
 * Detaching a partition locks the tables the detach needs, not every partition. Migration
 * 0020 took `LOCK TABLE events`, which also locks every partition of it, so a VACUUM or
 * ANALYZE of today's partition (autovacuum runs them all day while ingest fills it; they hold
 * `SHARE UPDATE EXCLUSIVE`) kept the lock from ever being free between writes: the request
 * then queued, holding `events` itself (every append stopped behind it) while it waited for
 * that partition, until its timeout; autovacuum only yields to a waiter after
 * `deadlock_timeout` (1 s). The purge gave up and deleted the month row by row
 * (bench/FINDINGS.md B37). `DETACH PARTITION` itself needs `ACCESS EXCLUSIVE` on `events`
 * alone, the partition it detaches and the default partition (whose constraint it changes):
 * those three are now taken, in that order, with 0020's NOWAIT-then-queue rule.
 */
const lockCall = "PERFORM chronicle_lock_events_between_writes(p_lock_timeout::interval);";
const dropBegins = "CREATE OR REPLACE FUNCTION chronicle_drop_event_partition(";

if (!detachBetweenWrites.includes(lockCall) || !detachBetweenWrites.includes(dropBegins)) {
  throw new Error("migration 0024: migration 0020's partition drop was not found");
}

export const dropEventPartition = detachBetweenWrites
  .slice(detachBetweenWrites.indexOf(dropBegins))
  .replace(lockCall, "PERFORM chronicle_lock_detach(p_partition, p_lock_timeout::interval);");

export const detachLocksItsTables = `
-- Takes ACCESS EXCLUSIVE on events alone, p_partition and the default partition (when there
-- is one) without queueing ahead of writers for p_timeout, then queueing for them at most
-- p_timeout more (SQLSTATE 55P03 when not granted). A partial set taken in a failed attempt
-- goes with the block's subtransaction; what the last attempt took stays with the caller.
CREATE FUNCTION chronicle_lock_detach(p_partition text, p_timeout interval) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_until timestamptz := clock_timestamp() + p_timeout;
  v_timeout text := current_setting('lock_timeout');
  v_default text;
BEGIN
  SELECT c.relname INTO v_default
    FROM pg_partitioned_table t JOIN pg_class c ON c.oid = t.partdefid
    WHERE t.partrelid = 'events'::regclass;
  LOOP
    BEGIN
      LOCK TABLE ONLY events IN ACCESS EXCLUSIVE MODE NOWAIT;
      EXECUTE format('LOCK TABLE ONLY %I IN ACCESS EXCLUSIVE MODE NOWAIT', p_partition);
      IF v_default IS NOT NULL THEN
        EXECUTE format('LOCK TABLE ONLY %I IN ACCESS EXCLUSIVE MODE NOWAIT', v_default);
      END IF;
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
  LOCK TABLE ONLY events IN ACCESS EXCLUSIVE MODE;
  EXECUTE format('LOCK TABLE ONLY %I IN ACCESS EXCLUSIVE MODE', p_partition);
  IF v_default IS NOT NULL THEN
    EXECUTE format('LOCK TABLE ONLY %I IN ACCESS EXCLUSIVE MODE', v_default);
  END IF;
  PERFORM set_config('lock_timeout', v_timeout, true);
END;
$$;
REVOKE ALL ON FUNCTION chronicle_lock_detach(text, interval) FROM PUBLIC;

${dropEventPartition.trim()}

DROP FUNCTION chronicle_lock_events_between_writes(interval);
`;
