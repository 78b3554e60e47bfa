import type { PurgeReport } from "../../domain/types.js";
import { selectRetainedProjects, selectRetentionCheckpoint } from "../../store/projects.js";
import {
  deleteIdempotencyKeysBefore,
  purgeEventsUpTo,
  selectEventCreatedAt,
} from "../../store/retention.js";
import type { Queryable, Store } from "../../store/types.js";
import { pruneRateLimits } from "../access/rate-limits.js";
import { readDatabaseClock } from "./clock.js";

/** Rows deleted per transaction: short enough not to hold up writers for long. */
const PURGE_CHUNK = 10_000;
const DAY_MS = 86_400_000;

async function createdAt(db: Queryable, projectId: string, seq: number): Promise<number | null> {
  const receivedAt = await selectEventCreatedAt(db, projectId, seq);
  return receivedAt ? new Date(receivedAt).getTime() : null;
}

/**
 * The last seq received before `cutoff`. Seqs after the checkpoint are gap-free and receipt
 * times follow seq order, so a binary search over the primary key finds it without an index.
 */
async function lastExpiredSeq(
  store: Store,
  projectId: string,
  low: number,
  high: number,
  cutoff: number,
): Promise<number | null> {
  if (high < low) return null;
  const first = await createdAt(store, projectId, low);
  if (first === null || first >= cutoff) return null;
  let found = low;
  let lo = low + 1;
  let hi = high;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const at = await createdAt(store, projectId, mid);
    if (at !== null && at < cutoff) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Deletes the expired prefix up to `upTo` in chunks, through `chronicle_purge_events`
 * (migration 0006): the one way past the append-only guard, run with its owner's rights.
 * It deletes only from the retention checkpoint on and moves the checkpoint to the last
 * deleted row, whose hash it reads itself. The Merkle tree keeps every hash, so proofs and
 * consistency with earlier checkpoints survive the purge.
 */
async function purgeRange(store: Store, projectId: string, upTo: number): Promise<number> {
  let purged = 0;
  for (;;) {
    const project = await selectRetentionCheckpoint(store, projectId);
    const from = Number(project?.checkpoint_seq ?? 0) + 1;
    if (!project || from > upTo) return purged;
    const end = Math.min(upTo, from + PURGE_CHUNK - 1);
    const count = await purgeEventsUpTo(store, projectId, end);
    if (count === 0) return purged;
    purged += count;
  }
}

/**
 * Removes every event older than its project's retention_days (by receipt time), in bulk
 * ranges of seq, recording the checkpoint (seq and hash of the last purged event) from which
 * integrity verifies. Also drops expired idempotency keys and rate-limit windows.
 */
export async function purgeExpired(
  store: Store,
  /** The cut-off's "now"; default the database's clock, never this replica's. */
  now?: Date,
  options: { onProgress?: (projectsDone: number, projects: number) => void } = {},
): Promise<PurgeReport[]> {
  const projects = await selectRetainedProjects(store);
  const at = now ?? (await readDatabaseClock(store));
  const reports: PurgeReport[] = [];
  for (const [index, project] of projects.entries()) {
    options.onProgress?.(index, projects.length);
    const cutoff = at.getTime() - Number(project.retention_days) * DAY_MS;
    const low = Number(project.checkpoint_seq ?? 0) + 1;
    const upTo = await lastExpiredSeq(
      store,
      project.project_id,
      low,
      Number(project.last_seq),
      cutoff,
    );
    if (upTo === null) continue;
    const purged = await purgeRange(store, project.project_id, upTo);
    reports.push({ project_id: project.project_id, purged, checkpoint_seq: upTo });
  }
  options.onProgress?.(projects.length, projects.length);
  await deleteIdempotencyKeysBefore(store, new Date(at.getTime() - DAY_MS));
  await pruneRateLimits(store, at);
  return reports;
}
