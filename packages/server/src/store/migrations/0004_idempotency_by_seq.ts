/**
 * An idempotency key records which events it produced (a seq range) instead of a copy of
 * the response: a 1000-event batch no longer writes ~1 MB of JSON a second time
 * (bench/FINDINGS.md B2). Events are immutable, so a replay read back from them is the
 * same. `response` stays for keys recorded before this migration.
 */
export const idempotencyBySeq = `
ALTER TABLE idempotency_keys ADD COLUMN first_seq bigint;
ALTER TABLE idempotency_keys ADD COLUMN event_count integer;
`;
