import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { IntegrityReport } from "@chronicle/types";
import { invalidParameter, notFound } from "../../domain/errors.js";
import { eventLeafHash, type Hash } from "../../domain/merkle.js";
import {
  type ChainState,
  selectChainState,
  selectEventHash,
  selectEventRange,
} from "../../store/integrity.js";
import type { Store } from "../../store/types.js";
import { eventToWire } from "../events/event-row.js";
import { hashEvent } from "../events/hash-chain.js";
import { signLatest, TreeIntegrityError } from "./checkpoints.js";
import { rootOverLeaves } from "./merkle-store.js";

/** Events read, hashed and proven against the signed root per step; the loop yields between. */
const CHUNK = 1000;
/**
 * Events verified per request at most: a read-only key cannot buy more than this much
 * server CPU with one call. A longer range answers `next_from_seq` to continue from.
 */
export const MAX_VERIFY_EVENTS = 10_000;

/**
 * Verifies events `from_seq`…`to_seq` (at most MAX_VERIFY_EVENTS of them) against the
 * latest signed checkpoint, not against the database alone: each event's hash is
 * recomputed from its content, every link checked, and the recomputed leaves of each chunk
 * (with the link into the range: the previous event or the retention checkpoint's hash)
 * must rebuild the signed root together with the stored tree around them. A rewritten
 * range with a recomputed chain, a forged retention checkpoint or rows a purge should have
 * removed therefore fail even when the database agrees with itself.
 */
export async function verifyIntegrity(
  store: Store,
  projectId: string,
  range: { fromSeq?: number; toSeq?: number } = {},
  limits: { maxEvents?: number } = {},
): Promise<IntegrityReport> {
  const maxEvents = limits.maxEvents ?? MAX_VERIFY_EVENTS;
  if (range.fromSeq !== undefined && range.toSeq !== undefined && range.fromSeq > range.toSeq) {
    throw invalidParameter("from_seq must not exceed to_seq", {
      pointer: "/query/from_seq",
      detail: "must not exceed to_seq",
      code: "maximum",
    });
  }
  const project = await selectChainState(store, projectId);
  if (!project) throw notFound("Project");
  let signedSize: number;
  let signedRoot: Buffer;
  try {
    const signed = await signLatest(store, projectId);
    signedSize = signed.tree_size;
    signedRoot = Buffer.from(signed.root_hash, "base64");
  } catch (error) {
    if (!(error instanceof TreeIntegrityError)) throw error;
    return brokenTree(project, range);
  }

  const checkpointSeq = project.checkpoint_seq === null ? 0 : Number(project.checkpoint_seq);
  const checkpoint =
    project.checkpoint_seq === null || project.checkpoint_hash === null
      ? null
      : { seq: checkpointSeq, hash: project.checkpoint_hash };
  // Rows at or below the checkpoint should have been purged: if any remain, they are checked.
  const firstStored = project.first_seq === null ? null : Number(project.first_seq);
  const start =
    firstStored !== null && firstStored <= checkpointSeq ? firstStored : checkpointSeq + 1;
  const from = Math.max(range.fromSeq ?? 1, start);
  const wanted = Math.min(range.toSeq ?? signedSize, signedSize);
  const to = Math.min(wanted, from + maxEvents - 1);

  // The link into the range: the checkpoint, the chain's start, or the stored previous hash.
  let expectedPrev: string | null;
  if (from === 1) expectedPrev = null;
  else if (from === checkpointSeq + 1 && checkpoint) expectedPrev = checkpoint.hash;
  else {
    expectedPrev = await selectEventHash(store, projectId, from - 1);
  }

  let checked = 0;
  let firstInvalid: number | null = null;
  let headHash: string | null = null;
  let expectedSeq = from;
  while (expectedSeq <= to && firstInvalid === null) {
    const chunkStart = expectedSeq;
    const rows = await selectEventRange(store, projectId, expectedSeq, to, CHUNK);
    if (rows.length === 0) {
      firstInvalid = expectedSeq;
      break;
    }
    // Leaves of seqs chunkStart - 1 (the link, when there is one) … last checked.
    const linkLeaf = expectedPrev === null ? [] : [eventLeafHash(expectedPrev)];
    const leaves: Hash[] = [...linkLeaf];
    for (const row of rows) {
      const event = eventToWire(row);
      const recomputed = hashEvent(event);
      if (
        event.seq !== expectedSeq ||
        event.prev_hash !== expectedPrev ||
        recomputed !== event.hash
      ) {
        firstInvalid = expectedSeq;
        break;
      }
      leaves.push(eventLeafHash(recomputed));
      expectedPrev = event.hash;
      headHash = event.hash;
      expectedSeq += 1;
    }
    const lo = chunkStart - 1 - linkLeaf.length;
    const badLeaf = await firstUnsignedLeaf(store, projectId, signedSize, signedRoot, lo, leaves);
    if (badLeaf !== null) {
      // Leaf index i is seq i + 1; a bad link leaf means the range's first event is unproven.
      firstInvalid = Math.max(badLeaf + 1, chunkStart);
      break;
    }
    checked = expectedSeq - from;
    await yieldToLoop();
  }
  // The head of the chain must be the hash the project row remembers.
  const lastSeq = Number(project.last_seq);
  if (firstInvalid === null && to === lastSeq && to >= from && headHash !== project.last_hash) {
    firstInvalid = to;
  }
  return {
    valid: firstInvalid === null,
    first_invalid_seq: firstInvalid,
    from_seq: from,
    to_seq: Math.max(to, from - 1),
    checked,
    head_hash: headHash,
    checkpoint,
    signed_tree_size: signedSize,
    next_from_seq: firstInvalid === null && to < wanted ? to + 1 : null,
  };
}

/**
 * The index of the first of `leaves` (at `lo`…) that the signed tree does not contain, or
 * null when they all belong to it. A binary search over prefixes: each probe rebuilds the
 * signed root with that prefix of recomputed leaves (one query, O(log n) stored hashes).
 */
async function firstUnsignedLeaf(
  store: Store,
  projectId: string,
  size: number,
  root: Buffer,
  lo: number,
  leaves: Hash[],
): Promise<number | null> {
  if (leaves.length === 0) return null;
  const matches = async (count: number) =>
    (await rootOverLeaves(store, projectId, size, lo, leaves.slice(0, count))).equals(root);
  try {
    if (await matches(leaves.length)) return null;
    let good = 0;
    let bad = leaves.length;
    while (bad - good > 1) {
      const mid = Math.floor((good + bad) / 2);
      if (await matches(mid)) good = mid;
      else bad = mid;
    }
    return lo + bad - 1;
  } catch {
    // A stored hash the proof needs is missing: the tree itself was tampered with.
    return lo;
  }
}

/** Storage no longer extends the signed tree: nothing in the range can be vouched for. */
function brokenTree(
  project: ChainState,
  range: { fromSeq?: number; toSeq?: number },
): IntegrityReport {
  const from = Math.max(range.fromSeq ?? 1, 1);
  return {
    valid: false,
    first_invalid_seq: from,
    from_seq: from,
    to_seq: from - 1,
    checked: 0,
    head_hash: null,
    checkpoint:
      project.checkpoint_seq === null || project.checkpoint_hash === null
        ? null
        : { seq: Number(project.checkpoint_seq), hash: project.checkpoint_hash },
    signed_tree_size: null,
    next_from_seq: null,
  };
}
