import { keyLookupByIndex } from "./0025_key_lookup_by_index.js";

/**
 * `chronicle_append` looks each idempotency key up by the whole primary key, one probe per
 * key, whatever the planner estimates. With `key = ANY (…)` beside `project_id = …`, the
 * planner may also read the project's keys by `project_id` alone and test `key` on each
 * (its cheapest plan when it takes the project to hold a few keys), and PL/pgSQL keeps a
 * statement's plan for the session: one made while `idempotency_keys` was nearly empty (a
 * new database, before autovacuum first analyzes it; or a project the statistics do not
 * know yet) stayed as the table grew. Every keyed append then read all of its project's
 * keys twice inside the project's serial chain: single events on a new database ran
 * 711 → 312 req/s over six 5 s rounds (bench/FINDINGS.md B58). An equality on each column
 * of the key is always an index condition; LIMIT keeps each key's lookup a probe of its
 * own rather than a join the planner may turn into a read of the project's keys.
 */
const lookupByAny = `SELECT array_agg(k.key) INTO used_keys
      FROM idempotency_keys AS k
      WHERE k.project_id = p_project
        AND k.key = ANY (ARRAY(SELECT e->>'key' FROM jsonb_array_elements(p_keys) AS e))
        AND k.key <> ALL (coalesce(p_retake, '{}'))
        AND k.created_at >= now() - interval '24 hours';`;

const lookupPerKey = `SELECT array_agg(e->>'key') INTO used_keys
      FROM jsonb_array_elements(p_keys) AS e
      CROSS JOIN LATERAL (SELECT FROM idempotency_keys AS k
        WHERE k.project_id = p_project AND k.key = e->>'key'
          AND k.created_at >= now() - interval '24 hours' LIMIT 1) AS used
      WHERE e->>'key' <> ALL (coalesce(p_retake, '{}'));`;

if (keyLookupByIndex.split(lookupByAny).length !== 3) {
  throw new Error("migration 0033: migration 0025's two key lookups were not found");
}

export const keyLookupPerKey = keyLookupByIndex.replaceAll(lookupByAny, lookupPerKey);
