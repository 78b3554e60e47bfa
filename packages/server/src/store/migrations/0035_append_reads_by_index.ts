/**
 * The functions every append runs (`chronicle_append` and `chronicle_chain_head`) plan their
 * reads with sequential scans disabled: each of them is a lookup by a key (an idempotency
 * key, a project's row, a Merkle run), and PL/pgSQL keeps each statement's plan for the
 * session. A plan made while a table was small, and one made while it stood as vacuumed
 * empty (a new database's first `VACUUM ANALYZE`, the bench's seeding, a restore), is a
 * sequential scan, and it stayed one as the table grew until autovacuum next analysed it:
 * every single-event append then read the whole key table inside the project's serial
 * chain (631 → 176 req/s over six 5 s rounds on a vacuumed new database, 711 → 161 with
 * autovacuum off on the key table; the full bench's single-event row at half its partial
 * runs' rate), and every chain head read the whole `merkle_hash_runs` once per frontier
 * level (bench/FINDINGS.md B60). Migration 0033's per-key probe left that plan open: with
 * both columns of the key equal, a scan of a one-page table costs the planner less than the
 * index.
 *
 * A later migration that replaces either function must keep the setting: the tests of both
 * (idempotency-lookup, chain-head-frontier) fail without it.
 */
export const appendReadsByIndex = `
ALTER FUNCTION chronicle_append(text, bigint, text, timestamptz, jsonb, jsonb, text[], bigint[],
  text[], text[], bigint[], text[], bigint[], boolean) SET enable_seqscan = off;
ALTER FUNCTION chronicle_chain_head(text, boolean) SET enable_seqscan = off;
`;
