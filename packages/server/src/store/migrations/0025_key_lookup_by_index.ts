import { appendWritingRuns } from "./0022_merkle_hash_runs.js";

/**
 * `chronicle_append` looks its idempotency keys up through the primary key, always. Its
 * two lookups (before the project's row lock and under it) asked for `key IN (SELECT …
 * FROM jsonb_array_elements(p_keys))`; PostgreSQL prices a set-returning function at 100
 * rows, so 100 index probes looked dearer than reading the table, and until the table held
 * ~17,000 keys every keyed append read all of it, twice, inside the project's serial chain:
 * 3–8 ms per append at 8,000 keys, and single-event ingest with keys at 0.6–0.7 of the same
 * requests without (bench/FINDINGS.md B38). `key = ANY (ARRAY(…))` is an index condition
 * whatever the estimate, so a lookup costs a probe per key.
 */
const lookupIn = "AND k.key IN (SELECT e->>'key' FROM jsonb_array_elements(p_keys) AS e)";
const lookupAny =
  "AND k.key = ANY (ARRAY(SELECT e->>'key' FROM jsonb_array_elements(p_keys) AS e))";

if (appendWritingRuns.split(lookupIn).length !== 3) {
  throw new Error("migration 0025: migration 0022's two key lookups were not found");
}

export const keyLookupByIndex = appendWritingRuns.replaceAll(lookupIn, lookupAny);
