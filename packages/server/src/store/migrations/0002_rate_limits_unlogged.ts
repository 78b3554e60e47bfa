/**
 * Rate-limit counters skip the WAL: every authenticated request upserts one, and a logged
 * table made each of them wait for a WAL flush before the real work (bench/FINDINGS.md B3).
 * An unlogged table is emptied after a crash, which for one-minute windows means at most
 * one window counted afresh; replicas on the same primary still share it.
 */
export const rateLimitsUnlogged = `
ALTER TABLE rate_limits SET UNLOGGED;
`;
