import type { Store } from "./types.js";

/**
 * The store a tenant's event reads go through: its read view where it has one
 * (Store.reads), whose statements `signal` cancels where the view can be cancelled.
 */
export function readsOf(store: Store, signal?: AbortSignal): Store {
  const reads = store.reads ?? store;
  return signal && reads.abortable ? reads.abortable(signal) : reads;
}
