/**
 * The GIN indexes lead with project_id (btree_gin), so a lookup in one project reads only
 * that project's posting lists, and the array indexes skip the fast-update pending list,
 * which every lookup otherwise scans linearly until a vacuum merges it (bench/FINDINGS.md
 * B7, B11). The arrays are small, so inserting into them directly is cheap; the trigram
 * index keeps fast update (one row adds dozens of trigrams) with a small pending list.
 * A narrow time window is answered from the occurred_at index alone (B8): it carries seq.
 */
export const ginPerProject = `
CREATE EXTENSION IF NOT EXISTS btree_gin;

DROP INDEX events_changed_fields;
CREATE INDEX events_changed_fields ON events USING gin (project_id, changed_fields)
  WITH (fastupdate = off);

DROP INDEX events_target_keys;
CREATE INDEX events_target_keys ON events USING gin (project_id, target_keys)
  WITH (fastupdate = off);

DROP INDEX events_search;
CREATE INDEX events_search ON events USING gin (project_id, search_text gin_trgm_ops)
  WITH (gin_pending_list_limit = 256);

DROP INDEX events_occurred_at;
CREATE INDEX events_occurred_at ON events (project_id, occurred_at) INCLUDE (seq);
`;
