import type { Store } from "../store/types.js";

export async function pingStore(store: Store): Promise<void> {
  await store.query("SELECT 1");
}
