import type { Store } from "./server-source.js";

/**
 * A Store that forwards to `store` and counts the queries sent through it (transactions and
 * listening are `store`'s own, uncounted). It is a new object: per-store state such as the
 * server's caches is its own.
 */
export function countingQueries(store: Store): { store: Store; queries: () => number } {
  let queries = 0;
  const counting: Store = Object.create(store, {
    query: {
      value: (sql: string, params?: readonly unknown[]) => {
        queries += 1;
        return store.query(sql, params);
      },
    },
  });
  return { store: counting, queries: () => queries };
}
