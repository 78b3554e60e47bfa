import { searchPathTempLast } from "./0017_search_path_temp_last.js";

/**
 * The schema's functions search exactly the schema, then the session's temporary schema,
 * again. Migration 0020 replaced `chronicle_drop_event_partition` with `SET search_path FROM
 * CURRENT`, which kept the migration's path, `"$user", public, pg_temp`: inside an
 * owner-rights function `"$user"` is a schema named after the owner, searched before the
 * schema, so a role allowed to create schemas (an operator's grant to the app role) could
 * make that schema and stand in for the partition checks: a partition of today's events
 * detached, with no operator_log record. 0017's reset is run again, and `migrate` now names
 * only the schema and `pg_temp` while it migrates, so later functions cannot keep `"$user"`.
 */
export const searchPathPinned = searchPathTempLast;
