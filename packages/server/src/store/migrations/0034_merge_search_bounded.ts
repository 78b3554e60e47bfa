import { mergeSearchPending } from "./0030_merge_search_pending.js";

/**
 * `chronicle_merge_search_pending` answers -1 when its statement was cancelled (the
 * caller's `statement_timeout`, store/search-pending.ts) instead of failing, so the server's
 * merger can bound each merge. PostgreSQL's merge called this way empties the pending list
 * whole, going on with what inserts add meanwhile, and makes the pages it frees reusable
 * only when it returns; under sustained batch appends it ran until the statement timed out,
 * and every pending page written in that time was a new page of the index: 150,000 events
 * grew a partition's search index to 905 MB against 71 MB merged by the inserts alone
 * (bench/FINDINGS.md B59). Merges bounded to a second kept it at ~100 MB.
 *
 * The pages a cancelled merge moved stay moved (a merge changes pages, not rows: nothing of
 * it rolls back) and the rest is merged by the next one. A cancellation from elsewhere (an
 * operator's pg_cancel_backend) is answered the same way.
 */
const loop = `  FOR v_index IN
    SELECT i.inhrelid::regclass FROM pg_inherits AS i
    WHERE i.inhparent = 'events_search'::regclass AND i.inhrelid = ANY (p_indexes::oid[])
  LOOP
    v_pages := v_pages + gin_clean_pending_list(v_index);
  END LOOP;
`;

const boundedLoop = `  BEGIN
${loop.replace(/^/gm, "  ").replace(/ +$/, "")}  EXCEPTION WHEN query_canceled THEN
    RETURN -1;
  END;
`;

const create = "CREATE FUNCTION chronicle_merge_search_pending(";
const start = mergeSearchPending.indexOf(create);
const end = mergeSearchPending.indexOf("$$;", start) + "$$;".length;
const original = mergeSearchPending.slice(start, end);
if (start < 0 || !original.includes(loop)) {
  throw new Error("migration 0034: migration 0030's chronicle_merge_search_pending was not found");
}

export const mergeSearchBounded = `
${original.replace(create, "CREATE OR REPLACE FUNCTION chronicle_merge_search_pending(").replace(loop, () => boundedLoop)}
`;
