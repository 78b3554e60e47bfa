import type { PurgeReport } from "../../domain/types.js";
import {
  dropEventPartition,
  dropExpiredEventPartitions,
  type EventPartition,
  isLockTimeout,
  selectEventPartitions,
} from "../../store/event-partitions.js";
import { selectRetainedProjects, selectRetentionCheckpoint } from "../../store/projects.js";
import {
  deleteIdempotencyKeysBefore,
  purgeEventsUpTo,
  selectEventCreatedAt,
  selectRemovalClock,
} from "../../store/retention.js";
import type { Queryable, Store } from "../../store/types.js";
import { pruneRateLimits } from "../access/rate-limits.js";

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
 * (migrations 0006, 0015): the one way past the append-only guard, run with its owner's
 * rights. It deletes only from the retention checkpoint on and only rows past the cut-off
 * on its own clock, moves the checkpoint to the last deleted row, whose hash it reads
 * itself, and records the removal in `operator_log`. The Merkle tree keeps every hash, so
 * proofs and consistency with earlier checkpoints survive the purge.
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
 * `partition`: expired events go with their whole partition; a project's rows are deleted
 * one by one only from partitions entirely past its retention that another project's rows
 * keep (and from the default partition), so an event is removed up to one partition width
 * after it expired. `event`: every expired event goes at once, whole partitions first, then
 * the rest row by row. docs/guides/retention.md states the trade-off.
 */
export type RetentionGranularity = "partition" | "event";

export interface PurgeOptions {
  onProgress?: (projectsDone: number, projects: number) => void;
  /** Default `event`; the server runs `partition` unless configured otherwise. */
  granularity?: RetentionGranularity;
  /**
   * Longest wait for the lock that detaching a partition takes (it stops inserts while
   * held, for milliseconds); a partition not detached in time is tried on the next run.
   */
  lockTimeoutMs?: number;
}

/** Default wait for a partition's detach lock: short enough that ingest does not notice. */
export const PARTITION_LOCK_TIMEOUT_MS = 100;

/**
 * Detaches every partition that ended before `at` whose rows are all past their own
 * project's retention (migration 0013 checks, locks, moves the checkpoints and detaches;
 * the tables go with `removeDetachedPartitions`), oldest first; what each project lost, and
 * whether it stopped early because the table's lock was busy.
 */
async function dropExpiredPartitions(
  store: Store,
  at: Date,
  lockTimeoutMs: number,
): Promise<{ dropped: Map<string, PurgeReport>; busy: boolean }> {
  const dropped = new Map<string, PurgeReport>();
  for (const partition of await selectEventPartitions(store)) {
    if (partition.upper.getTime() > at.getTime()) break;
    let projects: Awaited<ReturnType<typeof dropEventPartition>>;
    try {
      projects = await dropEventPartition(store, partition.name, lockTimeoutMs);
    } catch (error) {
      if (isLockTimeout(error)) return { dropped, busy: true };
      throw error;
    }
    for (const project of projects) {
      const before = dropped.get(project.project_id)?.purged ?? 0;
      dropped.set(project.project_id, {
        project_id: project.project_id,
        purged: before + project.purged,
        checkpoint_seq: project.checkpoint_seq,
      });
    }
  }
  return { dropped, busy: false };
}

/**
 * Removes the tables of the partitions `purgeExpired` detached (and any a run that stopped
 * halfway left); how many. Their events are already out of `events`, so nothing the API
 * serves changes: this is the files' removal, I/O that grows with the partition (seconds
 * for a month of a million events, bench/FINDINGS.md B24), in a transaction of its own that
 * holds no lock on `events`. Run it after `purgeExpired`.
 */
export async function removeDetachedPartitions(store: Store): Promise<number> {
  return dropExpiredEventPartitions(store);
}

/**
 * The cut-off rows are deleted by at partition granularity: the latest partition bound at
 * or before `cutoff` (rows before it sit in partitions entirely past it), or `cutoff` when
 * every bound is later (such rows can only be in the default partition).
 */
function partitionCutoff(cutoff: number, partitions: readonly EventPartition[]): number {
  let floor: number | undefined;
  for (const { lower, upper } of partitions) {
    for (const bound of [lower.getTime(), upper.getTime()]) {
      if (bound <= cutoff && (floor === undefined || bound > floor)) floor = bound;
    }
  }
  return floor ?? cutoff;
}

/**
 * Removes the events past each project's retention_days (by receipt time; never under the
 * owner's floor): whole partitions where every row in them is expired for its own project,
 * then rows in bulk ranges of seq as `granularity` says, recording the checkpoint (seq and
 * hash of the last removed event) from which integrity verifies. "Now" is the database's
 * removal clock, never this replica's or a caller's: the owner's functions read it
 * themselves. Also drops expired idempotency keys and rate-limit windows. The detached
 * partitions' files stay until `removeDetachedPartitions`.
 */
export async function purgeExpired(
  store: Store,
  options: PurgeOptions = {},
): Promise<PurgeReport[]> {
  const at = await selectRemovalClock(store);
  const { dropped, busy } = await dropExpiredPartitions(
    store,
    at,
    options.lockTimeoutMs ?? PARTITION_LOCK_TIMEOUT_MS,
  );
  const partitions =
    options.granularity === "partition" ? await selectEventPartitions(store) : undefined;
  // A partition not detached for a busy lock is not deleted row by row instead: it waits.
  const projects = partitions && busy ? [] : await selectRetainedProjects(store);
  const reports: PurgeReport[] = [];
  for (const [index, project] of projects.entries()) {
    options.onProgress?.(index, projects.length);
    const expiredBefore = at.getTime() - Number(project.retention_days) * DAY_MS;
    const cutoff = partitions ? partitionCutoff(expiredBefore, partitions) : expiredBefore;
    const low = Number(project.checkpoint_seq ?? 0) + 1;
    const upTo = await lastExpiredSeq(
      store,
      project.project_id,
      low,
      Number(project.last_seq),
      cutoff,
    );
    if (upTo === null) continue;
    const fromPartitions = dropped.get(project.project_id);
    const purged = await purgeRange(store, project.project_id, upTo);
    reports.push({
      project_id: project.project_id,
      purged: purged + (fromPartitions?.purged ?? 0),
      checkpoint_seq: upTo,
    });
  }
  options.onProgress?.(projects.length, projects.length);
  // Projects whose partitions went but whose rows were not looked at (a later partition's
  // lock was busy) or had no expired rows left.
  const reported = new Set(reports.map((report) => report.project_id));
  for (const report of dropped.values()) {
    if (!reported.has(report.project_id)) reports.push(report);
  }
  await deleteIdempotencyKeysBefore(store, new Date(at.getTime() - DAY_MS));
  await pruneRateLimits(store, at);
  return reports;
}
