import {
  CheckpointError,
  type Chronicle,
  type Event,
  hashEvent,
  verifyCheckpoint,
  verifyInclusion,
} from "@chronicle/sdk";

/** What the page pins of the log it checks: the verifier keys, and the log's origin line. */
export interface PinnedLog {
  keys: readonly string[];
  origin?: string;
}

export type IntegrityState =
  | { status: "idle" }
  | { status: "checking" }
  | { status: "verified"; method: "server"; from: number; to: number; count: number }
  | {
      status: "verified";
      method: "proofs";
      count: number;
      treeSize: number;
      /** The checkpoint's key came from the page (pinned), not from the server checked. */
      pinned: boolean;
    }
  | { status: "verified"; method: "hashes"; count: number }
  | { status: "failed"; method: "server" | "proofs" | "hashes"; firstInvalidSeq: number | null }
  /** The checkpoint is not signed by a key it should be, or is another log's. */
  | { status: "refused"; message: string }
  | { status: "error"; message: string };

function seqRange(events: readonly Event[]): { from: number; to: number } {
  let from = Number.POSITIVE_INFINITY;
  let to = 0;
  for (const event of events) {
    from = Math.min(from, event.seq);
    to = Math.max(to, event.seq);
  }
  return { from, to };
}

/** The first event whose `hash` does not match its content, if any. */
async function firstBadHash(events: readonly Event[]): Promise<Event | undefined> {
  for (const event of events) if ((await hashEvent(event)) !== event.hash) return event;
  return undefined;
}

/**
 * Proves each event in the browser: its hash against its content, then its inclusion in
 * the project's Merkle tree under the latest signed checkpoint, whose Ed25519 signature is
 * checked with the keys pinned by the page or, failing those, the keys the server
 * publishes, and whose origin must be the pinned one when the page pins it (one
 * deployment signs every project's checkpoints with the same key). Events newer than the
 * checkpoint are hash-checked only.
 */
async function proveInBrowser(
  client: Chronicle,
  events: readonly Event[],
  pinned: PinnedLog,
): Promise<IntegrityState> {
  const pinnedKeys = pinned.keys;
  const bad = await firstBadHash(events);
  if (bad) return { status: "failed", method: "hashes", firstInvalidSeq: bad.seq };
  let keys = pinnedKeys;
  let signed: Awaited<ReturnType<Chronicle["integrity"]["checkpoint"]>>;
  try {
    if (keys.length === 0) {
      keys = (await client.integrity.verifierKeys()).data.map((key) => key.verifier_key);
    }
    signed = await client.integrity.checkpoint();
  } catch {
    // No signed checkpoints on this server (or not for this credential): hashes only.
    return { status: "verified", method: "hashes", count: events.length };
  }
  let checkpoint: Awaited<ReturnType<typeof verifyCheckpoint>>;
  try {
    const options = pinned.origin === undefined ? {} : { origin: pinned.origin };
    checkpoint = await verifyCheckpoint(signed.note, keys, options);
  } catch (error) {
    if (error instanceof CheckpointError) return { status: "refused", message: error.message };
    throw error;
  }
  const covered = events.filter((event) => event.seq <= checkpoint.treeSize);
  const results = await Promise.all(
    covered.map(async (event) => {
      const proof = await client.integrity.inclusionProof(event.seq, checkpoint.treeSize);
      return { event, ok: await verifyInclusion(event, proof, checkpoint) };
    }),
  );
  const failed = results.find((result) => !result.ok);
  if (failed) return { status: "failed", method: "proofs", firstInvalidSeq: failed.event.seq };
  return {
    status: "verified",
    method: "proofs",
    count: covered.length,
    treeSize: checkpoint.treeSize,
    pinned: pinnedKeys.length > 0,
  };
}

/**
 * Checks the events on screen. With a project-wide key the server re-computes the hash
 * chain over the whole seq range they span (`GET /v1/integrity`), gaps between filtered
 * rows included. A viewer token may not ask that, so the browser proves each event itself
 * (hash, Merkle inclusion proof, signed checkpoint).
 */
export async function verifyOnScreen(
  client: Chronicle,
  events: readonly Event[],
  serverRange: boolean,
  pinned: PinnedLog = { keys: [] },
): Promise<IntegrityState> {
  if (events.length === 0) return { status: "idle" };
  try {
    if (!serverRange) return await proveInBrowser(client, events, pinned);
    const { from, to } = seqRange(events);
    const report = await client.integrity.verify({ from_seq: from, to_seq: to });
    return report.valid
      ? { status: "verified", method: "server", from, to, count: report.checked }
      : { status: "failed", method: "server", firstInvalidSeq: report.first_invalid_seq };
  } catch (error) {
    return { status: "error", message: error instanceof Error ? error.message : String(error) };
  }
}
