import type { Store } from "./types.js";

/**
 * The store a view stands for. A view (a request's traced store) shares its root's
 * connections, so what is kept per store — group-commit lanes, caches, secrets, metrics —
 * is keyed by the root, and every view of one store finds the same entry.
 */
export function rootOf(store: Store): Store {
  return store.root ?? store;
}
