/**
 * Appends in one statement (store/events.ts, `appendChained`): `chronicle_append` moves a
 * project's chain head by compare-and-set and records everything an append writes, so the
 * project row lock is held for one statement, not across the server's work between
 * statements (issue 12). The server chains the hashes and grows the Merkle tree from the
 * head it expects; the function refuses, writing nothing, when:
 * - `moved`: the head is not the expected one (another replica appended): the current head
 *   is returned and the server chains again from it;
 * - `keys_used`: an idempotency key of the append is live: the keys are returned and the
 *   server replays what they recorded. Keys are checked after the row lock is taken, so a
 *   key claimed by a concurrent append of the project (on any replica) has committed and is
 *   seen: exactly once without a lock on the key;
 * - `clock`: the proposed receipt time is earlier than the head's, or too far from the
 *   database's clock. The hash covers `created_at`, so the server proposes the time and the
 *   function only accepts it: receipt times follow seq order (checked under the lock) and
 *   stay on the database's clock within the bounds below; the database's time is returned
 *   (read just before answering, so the server can correct its estimate of the offset).
 * With `p_flushed_later` the append commits without waiting for its WAL flush; the caller
 * must then wait for one (store/wal.ts) before it answers or announces the events.
 * Rows are inserted by their JSON keys (`jsonb_populate_recordset(NULL::events, …)`), so
 * a column added to `events` flows through without changing this function.
 */
export const appendFunction = `
ALTER TABLE projects ADD COLUMN last_created_at timestamptz;
UPDATE projects AS p SET last_created_at = e.created_at
  FROM events AS e WHERE e.project_id = p.project_id AND e.seq = p.last_seq;

CREATE FUNCTION chronicle_append(
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
BEGIN
  -- The caller waits for the WAL flush itself before answering anyone (store/wal.ts), so
  -- the commit need not: the row lock is released without waiting for the disk, and the
  -- next append of the project does not queue behind this one's flush. (A refusal commits
  -- only its row lock, which needs no flush at all.)
  IF p_flushed_later THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  -- NO KEY UPDATE: a transaction that inserted a row referencing the project (a stream, a
  -- key) holds KEY SHARE on it, and two of them recording their change as an event would
  -- deadlock under FOR UPDATE.
  SELECT p.last_seq, p.last_hash, p.last_created_at INTO v_seq, v_hash, v_at
    FROM projects AS p WHERE p.project_id = p_project FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    status := 'missing';
    RETURN;
  END IF;
  last_seq := v_seq;
  last_hash := v_hash;
  last_created_at := to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  IF v_seq <> p_expected_seq OR v_hash IS DISTINCT FROM p_expected_hash THEN
    status := 'moved';
    RETURN;
  END IF;
  -- Later than the head's, no later than a second ahead of the database's clock and no
  -- earlier than a minute behind it (the proposal is made before the lock is waited for).
  IF p_created_at < v_at OR p_created_at > clock_timestamp() + interval '1 second'
     OR p_created_at < clock_timestamp() - interval '1 minute' THEN
    database_time := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    status := 'clock';
    RETURN;
  END IF;
  SELECT array_agg(k.key) INTO used_keys
    FROM idempotency_keys AS k
    WHERE k.project_id = p_project
      AND k.key IN (SELECT e->>'key' FROM jsonb_array_elements(p_keys) AS e)
      AND k.key <> ALL (coalesce(p_retake, '{}'))
      AND k.created_at >= now() - interval '24 hours';
  IF used_keys IS NOT NULL THEN
    status := 'keys_used';
    RETURN;
  END IF;

  last_seq := v_seq + v_count;
  last_hash := p_rows -> (v_count - 1) ->> 'hash';
  last_created_at := to_char(p_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  UPDATE projects AS p SET last_seq = v_seq + v_count, last_hash = p_rows -> (v_count - 1) ->> 'hash',
    last_created_at = p_created_at
    WHERE p.project_id = p_project;

  SELECT string_agg(quote_ident(c), ', ') INTO v_columns FROM jsonb_object_keys(p_rows -> 0) AS c;
  EXECUTE format(
    'INSERT INTO events (%1$s) SELECT %1$s FROM jsonb_populate_recordset(NULL::events, $1)',
    v_columns) USING p_rows;

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
END;
$$;
`;
