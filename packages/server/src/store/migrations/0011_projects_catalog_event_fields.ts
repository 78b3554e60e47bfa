/**
 * Projects, the catalog and event fields (docs/guides/events-and-actors.md,
 * docs/guides/action-catalog.md, docs/guides/operations.md):
 * - events gain `outcome`, `reason`, `correlation_id`, the API version they were written
 *   with and the metadata schema version they were validated against; old rows keep them
 *   null (their hashes leave null later members out, so they verify unchanged);
 * - projects gain a deployment-wide unique `slug`, the `catalog` mode, the deletion
 *   request's times, and the distinct actors/targets/target types counted by the
 *   maintenance schedule up to `counted_seq` (`project_actors`, `project_targets`);
 * - actions gain deprecation and versioned metadata schemas (`action_schemas`); every
 *   schema defined before is its action's version 1;
 * - `operator_log`: the deployment's own record, which outlives a deleted project.
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
ALTER TABLE projects ADD COLUMN counted_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN actor_count bigint NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN target_count bigint NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN target_type_count bigint NOT NULL DEFAULT 0;
CREATE INDEX projects_purge_after ON projects (purge_after) WHERE purge_after IS NOT NULL;

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
`;
