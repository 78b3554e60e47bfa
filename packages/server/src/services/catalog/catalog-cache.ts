/**
 * The in-process cache of each project's catalog (its mode and defined actions), grouped
 * by project: a change to either evicts the project on every replica. Write such changes
 * with `transactionInvalidating(store, { cache: CATALOG_CACHE, group: projectId }, …)`.
 */
export const CATALOG_CACHE = "catalog";
