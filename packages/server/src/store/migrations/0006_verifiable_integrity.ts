/**
 * Verifiable integrity (docs/security.md):
 * - `merkle_hashes`: each project's RFC 9162 Merkle tree, every complete subtree's hash
 *   under its tlog storage index (domain/merkle.ts); `checkpoints`: the signed tree heads.
 *   Both are append-only for everyone but their owner.
 * - The events guard no longer trusts `chronicle.purge` alone: the setting counts only for
 *   the table's owner, which the app's role reaches solely through
 *   `chronicle_purge_events`, a SECURITY DEFINER function that deletes an expired prefix
 *   and records the checkpoint from the deleted rows themselves.
 * - The token secret leaves the database: it comes from configuration.
 */
export const verifiableIntegrity = `
CREATE TABLE merkle_hashes (
  project_id text NOT NULL,
  idx bigint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (project_id, idx)
);

CREATE TABLE checkpoints (
  project_id text NOT NULL,
  tree_size bigint NOT NULL,
  root_hash bytea NOT NULL,
  note text NOT NULL,
  key_id text NOT NULL,
  signed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, tree_size)
);

CREATE FUNCTION chronicle_owner_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_user <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
     OR coalesce(current_setting('chronicle.purge', true), '') <> 'on' THEN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END;
$$;

DROP TRIGGER events_append_only ON events;
DROP FUNCTION chronicle_events_append_only();
CREATE TRIGGER events_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION chronicle_owner_only();
CREATE TRIGGER merkle_hashes_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON merkle_hashes
  FOR EACH STATEMENT EXECUTE FUNCTION chronicle_owner_only();
CREATE TRIGGER checkpoints_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION chronicle_owner_only();

CREATE FUNCTION chronicle_purge_events(p_project text, p_to bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_from bigint;
  v_hash text;
  v_count bigint;
BEGIN
  SELECT coalesce(checkpoint_seq, 0) + 1 INTO v_from FROM projects
    WHERE project_id = p_project AND retention_days IS NOT NULL FOR UPDATE;
  IF v_from IS NULL OR p_to < v_from THEN
    RETURN 0;
  END IF;
  SELECT hash INTO v_hash FROM events WHERE project_id = p_project AND seq = p_to;
  IF v_hash IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM set_config('chronicle.purge', 'on', true);
  DELETE FROM events WHERE project_id = p_project AND seq >= v_from AND seq <= p_to;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  PERFORM set_config('chronicle.purge', 'off', true);
  UPDATE projects SET checkpoint_seq = p_to, checkpoint_hash = v_hash
    WHERE project_id = p_project;
  RETURN v_count;
END;
$$;
REVOKE ALL ON FUNCTION chronicle_purge_events(text, bigint) FROM PUBLIC;

DELETE FROM settings WHERE name = 'hmac_secret';
`;
