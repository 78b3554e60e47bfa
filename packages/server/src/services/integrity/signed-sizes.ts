import { rootOf } from "../../store/root.js";
import type { Store } from "../../store/types.js";

/**
 * The latest signed tree size of each project of a store as this process last found or
 * signed it. Never above the real latest, since signed sizes only grow (a new checkpoint
 * must extend the last), but possibly below it (another replica signed since): a proof at a
 * size at or below it needs no read of the tree head, and a proof at the latest size reads
 * its stored hashes alongside the head, on this guess, instead of after it. Kept per store
 * (its root): a size seen in one database says nothing of another's.
 */
const signedSizes = new WeakMap<Store, Map<string, number>>();
const MAX_REMEMBERED_SIZES = 10_000;

function sizesOf(store: Store): Map<string, number> {
  const root = rootOf(store);
  let sizes = signedSizes.get(root);
  if (!sizes) {
    sizes = new Map();
    signedSizes.set(root, sizes);
  }
  return sizes;
}

export function rememberSignedSize(store: Store, projectId: string, size: number): void {
  const sizes = sizesOf(store);
  if (sizes.size >= MAX_REMEMBERED_SIZES && !sizes.has(projectId)) sizes.clear();
  sizes.set(projectId, size);
}

export function knownSignedSize(store: Store, projectId: string): number | undefined {
  return signedSizes.get(rootOf(store))?.get(projectId);
}

/** Storage no longer holds the tree remembered (a database restored from a backup). */
export function forgetSignedSize(store: Store, projectId: string): void {
  signedSizes.get(rootOf(store))?.delete(projectId);
}
