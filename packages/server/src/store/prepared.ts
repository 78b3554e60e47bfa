import { createHash } from "node:crypto";

/**
 * Statements PostgreSQL keeps prepared on each pooled connection (named statements in
 * node-postgres): from the sixth execution on a connection it reuses a generic plan when
 * that plan costs no more than the custom ones, instead of planning every time. Planning a
 * query of the partitioned `events` table is most of its database time (~1 ms over 16
 * partitions and 17 indexes each, against 0.05–0.5 ms of execution; bench/FINDINGS.md B25).
 *
 * Only statements whose best plan does not depend on the parameters' values belong here:
 * lookups by key and walks down one filter's `(project_id, value, seq)` index. A search, a
 * range, or two filters whose cheapest index depends on the values keep a custom plan each
 * time (a generic plan chosen for a common value could walk the whole project for a rare
 * one).
 *
 * The registry is bounded: each name is a plan cache entry on every connection, so a few
 * hundred shapes at most; texts past the bound run unnamed, as before.
 */
const MAX_PREPARED = 256;
const names = new Map<string, string>();

/** Marks `text` to be prepared on each connection that runs it; returns it unchanged. */
export function prepared(text: string): string {
  if (!names.has(text) && names.size < MAX_PREPARED) {
    names.set(text, `chronicle_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`);
  }
  return text;
}

/** The statement name `text` is prepared under, if it is marked. */
export function preparedName(text: string): string | undefined {
  return names.get(text);
}
