import type { Store } from "./types.js";

/** The store a tenant's event reads go through: its read view where it has one (Store.reads). */
export function readsOf(store: Store): Store {
  return store.reads ?? store;
}
