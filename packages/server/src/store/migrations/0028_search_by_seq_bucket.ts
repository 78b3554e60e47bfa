/**
 * The trigram index gets a second key, the event's seq bucket (`seq / 65536`, the width
 * store/event-search.ts names SEQ_BUCKET), so a search can ask for its matches in the newest
 * bucket or two instead of decoding posting lists that hold every match of the project: a
 * search whose page is found near the cursor then costs the same in a project of 5 M events
 * as in one of 1 M (bench/FINDINGS.md B42). A search without a bucket reads the index as
 * before. The index is built anew, so this migration takes as long as building it.
 */
export const searchBySeqBucket = `
DROP INDEX events_search;
CREATE INDEX events_search ON events USING gin (project_id, (seq / 65536), search_text gin_trgm_ops)
  WITH (gin_pending_list_limit = 256);
`;
