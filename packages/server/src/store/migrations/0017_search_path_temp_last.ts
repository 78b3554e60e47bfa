/**
 * The schema's functions search the session's temporary schema last. `SET search_path FROM
 * CURRENT` kept the migration's path, which does not name `pg_temp`, and PostgreSQL then
 * searches it first for tables: any role may create temporary tables, so a caller of the
 * owner's functions (the app role) could shadow `removal_policy`, `projects` or
 * `operator_log` with its own for its session, and remove events or a project early with the
 * record written to its temporary table. Named last, `pg_temp` is searched after the
 * schema (as PostgreSQL's documentation on SECURITY DEFINER functions advises); functions
 * are never looked up there. Every function of the schema with a search_path of its own is
 * reset, and `migrate` names `pg_temp` last for the migrations after this one.
 */
export const searchPathTempLast = `
DO $$
DECLARE
  v_function regprocedure;
BEGIN
  FOR v_function IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE 'chronicle\\_%'
      AND (p.prosecdef OR EXISTS (
        SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%'))
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', v_function,
      current_schema());
  END LOOP;
END;
$$;
`;
