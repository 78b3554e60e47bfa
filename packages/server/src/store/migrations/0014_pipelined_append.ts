/**
 * Appends of one project insert their rows in parallel and commit in seq order
 * (bench/FINDINGS.md B16). `chronicle_append` (migration 0009) took the project row first
 * and inserted under it, so a project's appends ran one after another however many
 * connections sent them: the index maintenance of a 1000-event batch (most of its time)
 * used one backend, where a hand-written endpoint's concurrent INSERTs use every core.
 *
 * Now an append chained on another still in flight (the server chains a project's next
 * group on the head its previous group will make, services/events/event-append.ts) inserts
 * its rows first, while that one does, and only then locks and compares the head, so it
 * commits after it (an append chained on the committed head locks first, as before):
 * - an append takes, if free, a transaction-level advisory lock named after the head it
 *   makes (`hashtext(project)`, seq); one chained on a head not committed yet waits for
 *   that lock (the append making it has committed or rolled back) before it locks the row,
 *   so the compare-and-set finds the head it chained on, not the one before. The advisory
 *   lock is only a hint: correctness stays with the row lock and the compare-and-set;
 * - every refusal (`moved`, `keys_used`, `clock`) rolls the inserted rows back (the block is
 *   a subtransaction); a head already past the expected one, the commonest miss, and a key
 *   already recorded are seen before anything is inserted; a `unique_violation` of the rows (a seq another
 *   append of a stale head inserted in the same millisecond) or a deadlock with it answers
 *   `moved` as well.
 * The checks under the row lock are those of migration 0009, in the same order: gap-free
 * seq in commit order, the chain, idempotency keys seen only once committed, receipt times.
 */
export const pipelinedAppend = `
CREATE OR REPLACE FUNCTION chronicle_append(
  p_project text,
  p_expected_seq bigint,
  p_expected_hash text,
  p_created_at timestamptz,
  p_rows jsonb,
  p_keys jsonb,
  p_retake text[],
  p_tree_idx bigint[],
  p_tree_hash text[],
  p_actions text[],
  p_action_counts bigint[],
  p_workspaces text[],
  p_workspace_counts bigint[],
  p_flushed_later boolean,
  OUT status text,
  OUT last_seq bigint,
  OUT last_hash text,
  OUT last_created_at text,
  OUT used_keys text[],
  OUT database_time text
)
LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint;
  v_hash text;
  v_at timestamptz;
  v_count integer := jsonb_array_length(p_rows);
  v_columns text;
  v_insert text;
  v_ahead boolean;
  v_lock_space integer := hashtext(p_project);
BEGIN
  IF p_flushed_later THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  -- The committed head, unlocked: already past the expected one means refused for sure.
  SELECT p.last_seq, p.last_hash, p.last_created_at INTO v_seq, v_hash, v_at
    FROM projects AS p WHERE p.project_id = p_project;
  IF NOT FOUND THEN
    status := 'missing';
    RETURN;
  END IF;
  IF v_seq > p_expected_seq OR (v_seq = p_expected_seq AND v_hash IS DISTINCT FROM p_expected_hash) THEN
    last_seq := v_seq;
    last_hash := v_hash;
    last_created_at := to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    status := 'moved';
    RETURN;
  END IF;
  -- A key already recorded is answered before anything is written (checked again below).
  IF jsonb_array_length(p_keys) > 0 THEN
    SELECT array_agg(k.key) INTO used_keys
      FROM idempotency_keys AS k
      WHERE k.project_id = p_project
        AND k.key IN (SELECT e->>'key' FROM jsonb_array_elements(p_keys) AS e)
        AND k.key <> ALL (coalesce(p_retake, '{}'))
        AND k.created_at >= now() - interval '24 hours';
    IF used_keys IS NOT NULL THEN
      last_seq := v_seq;
      last_hash := v_hash;
      last_created_at := to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
      status := 'keys_used';
      RETURN;
    END IF;
  END IF;
  v_ahead := v_seq < p_expected_seq;
  -- Names the head this append makes, for an append chained on it; taken only if free
  -- (never waited for, so it cannot close a cycle of waits).
  PERFORM pg_try_advisory_xact_lock(v_lock_space, ((p_expected_seq + v_count) % 2147483647)::integer);
  SELECT string_agg(quote_ident(c), ', ') INTO v_columns FROM jsonb_object_keys(p_rows -> 0) AS c;
  v_insert := format(
    'INSERT INTO events (%1$s) SELECT %1$s FROM jsonb_populate_recordset(NULL::events, $1)',
    v_columns);
  BEGIN
    -- Chained on an append not committed when this one started: insert while it runs, then
    -- wait for it to end. Chained on the committed head, lock first as migration 0009 did:
    -- rows inserted before the lock could meet, in the primary key, those of a transaction
    -- that holds the lock (seq and receipt millisecond alike) and wait for it while it
    -- waits for the lock.
    IF v_ahead THEN
      EXECUTE v_insert USING p_rows;
      PERFORM pg_advisory_xact_lock_shared(v_lock_space, (p_expected_seq % 2147483647)::integer);
    END IF;
    -- NO KEY UPDATE: a transaction that inserted a row referencing the project (a stream, a
    -- key) holds KEY SHARE on it, and two of them recording their change as an event would
    -- deadlock under FOR UPDATE.
    SELECT p.last_seq, p.last_hash, p.last_created_at INTO v_seq, v_hash, v_at
      FROM projects AS p WHERE p.project_id = p_project FOR NO KEY UPDATE;
    IF NOT FOUND THEN
      status := 'missing';
      RAISE EXCEPTION USING ERRCODE = 'CH001';
    END IF;
    last_seq := v_seq;
    last_hash := v_hash;
    last_created_at := to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    IF v_seq <> p_expected_seq OR v_hash IS DISTINCT FROM p_expected_hash THEN
      status := 'moved';
      RAISE EXCEPTION USING ERRCODE = 'CH001';
    END IF;
    -- Later than the head's, no later than a second ahead of the database's clock and no
    -- earlier than a minute behind it (the proposal is made before the lock is waited for).
    IF p_created_at < v_at OR p_created_at > clock_timestamp() + interval '1 second'
       OR p_created_at < clock_timestamp() - interval '1 minute' THEN
      database_time := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
      status := 'clock';
      RAISE EXCEPTION USING ERRCODE = 'CH001';
    END IF;
    SELECT array_agg(k.key) INTO used_keys
      FROM idempotency_keys AS k
      WHERE k.project_id = p_project
        AND k.key IN (SELECT e->>'key' FROM jsonb_array_elements(p_keys) AS e)
        AND k.key <> ALL (coalesce(p_retake, '{}'))
        AND k.created_at >= now() - interval '24 hours';
    IF used_keys IS NOT NULL THEN
      status := 'keys_used';
      RAISE EXCEPTION USING ERRCODE = 'CH001';
    END IF;
    IF NOT v_ahead THEN
      EXECUTE v_insert USING p_rows;
    END IF;

    last_seq := v_seq + v_count;
    last_hash := p_rows -> (v_count - 1) ->> 'hash';
    last_created_at := to_char(p_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    UPDATE projects AS p SET last_seq = v_seq + v_count, last_hash = p_rows -> (v_count - 1) ->> 'hash',
      last_created_at = p_created_at
      WHERE p.project_id = p_project;

    INSERT INTO idempotency_keys AS k (project_id, key, request_hash, first_seq, event_count)
      SELECT p_project, r.key, r.request_hash, r.first_seq, r.event_count
      FROM jsonb_to_recordset(p_keys) AS r(key text, request_hash text, first_seq bigint,
        event_count integer)
      ON CONFLICT (project_id, key) DO UPDATE SET request_hash = excluded.request_hash,
        response = NULL, first_seq = excluded.first_seq, event_count = excluded.event_count,
        created_at = now();

    INSERT INTO merkle_hashes (project_id, idx, hash)
      SELECT p_project, h.idx, decode(h.hash, 'hex')
      FROM unnest(p_tree_idx, p_tree_hash) AS h(idx, hash);

    INSERT INTO actions AS a (project_id, action, count, first_seen_at, last_seen_at)
      SELECT p_project, c.action, c.n, p_created_at, p_created_at
      FROM unnest(p_actions, p_action_counts) AS c(action, n)
      ON CONFLICT (project_id, action) DO UPDATE SET
        count = a.count + excluded.count,
        first_seen_at = coalesce(a.first_seen_at, excluded.first_seen_at),
        last_seen_at = excluded.last_seen_at;

    INSERT INTO workspaces AS w (project_id, workspace_id, count, first_seen_at, last_seen_at)
      SELECT p_project, c.id, c.n, p_created_at, p_created_at
      FROM unnest(p_workspaces, p_workspace_counts) AS c(id, n)
      ON CONFLICT (project_id, workspace_id) DO UPDATE SET
        count = w.count + excluded.count,
        last_seen_at = excluded.last_seen_at;

    status := 'ok';
  EXCEPTION
    WHEN SQLSTATE 'CH001' THEN
      NULL; -- refused: the answer is set, the rows are rolled back
    WHEN unique_violation OR deadlock_detected THEN
      SELECT p.last_seq, p.last_hash,
          to_char(p.last_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        INTO last_seq, last_hash, last_created_at
        FROM projects AS p WHERE p.project_id = p_project;
      used_keys := NULL;
      database_time := NULL;
      status := 'moved';
  END;
END;
$$;
`;
