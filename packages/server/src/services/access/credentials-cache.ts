/**
 * The in-process cache of API keys and viewer tokens, grouped by project: any change to a
 * project's credentials (a key or token revoked, a key rotated or changed, the project
 * deleted) evicts the project's group on every replica. Write such changes with
 * `transactionInvalidating(store, { cache: CREDENTIALS_CACHE, group: projectId }, …)`.
 */
export const CREDENTIALS_CACHE = "credentials";
