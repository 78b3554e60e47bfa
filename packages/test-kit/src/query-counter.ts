import type { Store } from "./server-source.js";

/**
 * A Store that forwards to `store` and counts the queries sent through it (event reads
 * included; transactions and listening are `store`'s own, uncounted), keeping their texts
 * in `statements` (a live array). It is a new object: per-store state such as the server's
 * caches is its own, unless `shareCaches` makes it a view of `store` (the same root).
 */
export function countingQueries(
  store: Store,
  options: { shareCaches?: boolean } = {},
): { store: Store; queries: () => number; statements: string[] } {
  const statements: string[] = [];
  const counting: Store = Object.create(store, {
    ...(options.shareCaches && { root: { value: store.root ?? store } }),
    // Tenants' event reads too: not through the store's own read view.
    reads: { value: undefined },
    query: {
      value: (sql: string, params?: readonly unknown[]) => {
        statements.push(sql);
        return store.query(sql, params);
      },
    },
  });
  return { store: counting, queries: () => statements.length, statements };
}
