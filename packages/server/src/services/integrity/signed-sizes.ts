/**
 * The latest signed tree size of each project as this process last found or signed it.
 * Never above the real latest, since signed sizes only grow (a new checkpoint must extend
 * the last), but possibly below it (another replica signed since): a proof at a size at or
 * below it needs no read of the tree head, and a proof at the latest size reads its stored
 * hashes alongside the head, on this guess, instead of after it.
 */
const signedSizes = new Map<string, number>();
const MAX_REMEMBERED_SIZES = 10_000;

export function rememberSignedSize(projectId: string, size: number): void {
  if (signedSizes.size >= MAX_REMEMBERED_SIZES && !signedSizes.has(projectId)) {
    signedSizes.clear();
  }
  signedSizes.set(projectId, size);
}

export function knownSignedSize(projectId: string): number | undefined {
  return signedSizes.get(projectId);
}

/** Storage no longer holds the tree remembered (a database restored from a backup). */
export function forgetSignedSize(projectId: string): void {
  signedSizes.delete(projectId);
}
