/**
 * Projects, the catalog and event fields (docs/guides/events-and-actors.md,
 * docs/guides/action-catalog.md, docs/guides/operations.md):
 * - events gain `outcome`, `reason`, `correlation_id`, the API version they were written
 *   with and the metadata schema version they were validated against; old rows keep them
 *   null (their hashes leave null later members out, so they verify unchanged);
 * - projects gain a deployment-wide unique `slug`, the `catalog` mode, the deletion
 *   request's times; the distinct actors, targets and target types are counted by the
 *   maintenance schedule up to `project_counts.counted_seq` (`project_actors`,
 *   `project_targets` hold what was counted);
 * - actions gain deprecation and versioned metadata schemas (`action_schemas`); every
 *   schema defined before is its action's version 1;
 * - `operator_log`: the deployment's own record, which outlives a deleted project;
 * - `chronicle_purge_project`: removes every row of a project whose deletion grace period
 *   is over, from every table with a `project_id` column (read from the catalog, so a table
 *   added later is covered), children before the tables their foreign keys reference, past
 *   the append-only guards (it runs with the owner's rights, like `chronicle_purge_events`).
 */
export const projectsCatalogEventFields = `
ALTER TABLE events ADD COLUMN outcome text;
ALTER TABLE events ADD COLUMN reason text;
ALTER TABLE events ADD COLUMN correlation_id text;
ALTER TABLE events ADD COLUMN api_version text;
ALTER TABLE events ADD COLUMN schema_version integer;
CREATE INDEX events_outcome ON events (project_id, outcome, seq);
CREATE INDEX events_correlation_id ON events (project_id, correlation_id, seq);

ALTER TABLE projects ADD COLUMN slug text;
CREATE UNIQUE INDEX projects_slug ON projects (slug);
ALTER TABLE projects ADD COLUMN catalog text NOT NULL DEFAULT 'open';
ALTER TABLE projects ADD CONSTRAINT projects_catalog CHECK (catalog IN ('open', 'strict'));
ALTER TABLE projects ADD COLUMN deletion_requested_at timestamptz;
ALTER TABLE projects ADD COLUMN purge_after timestamptz;
CREATE INDEX projects_purge_after ON projects (purge_after) WHERE purge_after IS NOT NULL;

-- Apart from projects, whose row every append locks: counting never waits on appends.
CREATE TABLE project_counts (
  project_id text PRIMARY KEY,
  counted_seq bigint NOT NULL DEFAULT 0,
  actors bigint NOT NULL DEFAULT 0,
  targets bigint NOT NULL DEFAULT 0,
  target_types bigint NOT NULL DEFAULT 0
);

CREATE TABLE project_actors (
  project_id text NOT NULL,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  PRIMARY KEY (project_id, actor_type, actor_id)
);

CREATE TABLE project_targets (
  project_id text NOT NULL,
  target_type text NOT NULL,
  target_id text NOT NULL,
  PRIMARY KEY (project_id, target_type, target_id)
);

ALTER TABLE actions ADD COLUMN schema_version integer;
ALTER TABLE actions ADD COLUMN deprecated_at timestamptz;

CREATE TABLE action_schemas (
  project_id text NOT NULL,
  action text COLLATE "C" NOT NULL,
  version integer NOT NULL,
  metadata_schema jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, action, version)
);
INSERT INTO action_schemas (project_id, action, version, metadata_schema, created_at)
  SELECT project_id, action, 1, metadata_schema, coalesce(defined_at, now())
  FROM actions WHERE metadata_schema IS NOT NULL;
UPDATE actions SET schema_version = 1 WHERE metadata_schema IS NOT NULL;

CREATE TABLE operator_log (
  seq bigserial,
  action text NOT NULL,
  project_id text NOT NULL,
  detail jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  -- Keys lead with project_id (docs/scaling.md); seq alone is unique by its sequence.
  PRIMARY KEY (project_id, seq)
);
CREATE FUNCTION chronicle_purge_project(p_project text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  v_tables regclass[];
  v_table regclass;
  v_progress boolean;
  v_count bigint;
  v_total bigint := 0;
BEGIN
  PERFORM 1 FROM projects
    WHERE project_id = p_project AND purge_after IS NOT NULL AND purge_after <= now() FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  SELECT array_agg(c.oid::regclass) INTO v_tables
    FROM pg_class c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'project_id' AND NOT a.attisdropped
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition AND c.relname NOT IN ('projects', 'operator_log');
  PERFORM set_config('chronicle.purge', 'on', true);
  WHILE coalesce(array_length(v_tables, 1), 0) > 0 LOOP
    v_progress := false;
    FOREACH v_table IN ARRAY v_tables LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f'
          AND f.confrelid = v_table AND f.conrelid <> v_table AND f.conrelid = ANY(v_tables)) THEN
        EXECUTE format('DELETE FROM %s WHERE project_id = $1', v_table) USING p_project;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_total := v_total + v_count;
        v_tables := array_remove(v_tables, v_table);
        v_progress := true;
      END IF;
    END LOOP;
    IF NOT v_progress THEN
      RAISE EXCEPTION 'the foreign keys between % form a cycle', v_tables;
    END IF;
  END LOOP;
  DELETE FROM projects WHERE project_id = p_project;
  PERFORM set_config('chronicle.purge', 'off', true);
  RETURN v_total + 1;
END;
$$;
REVOKE ALL ON FUNCTION chronicle_purge_project(text) FROM PUBLIC;
`;
