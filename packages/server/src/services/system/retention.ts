import type { PurgeReport } from "../../domain/types.js";
import type { Queryable, Store } from "../../store/types.js";
import { pruneRateLimits } from "../access/rate-limits.js";
import { readDatabaseClock } from "./clock.js";

/** Rows deleted per transaction: short enough not to hold up writers for long. */
const PURGE_CHUNK = 10_000;
const DAY_MS = 86_400_000;

async function createdAt(db: Queryable, projectId: string, seq: number): Promise<number | null> {
  const [row] = await db.query<{ created_at: Date }>(
    "SELECT created_at FROM events WHERE project_id = $1 AND seq = $2",
    [projectId, seq],
  );
  return row ? new Date(row.created_at).getTime() : null;
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
    const [project] = await store.query<{ checkpoint_seq: number | null }>(
      "SELECT checkpoint_seq FROM projects WHERE project_id = $1",
      [projectId],
    );
    const from = Number(project?.checkpoint_seq ?? 0) + 1;
    if (!project || from > upTo) return purged;
    const end = Math.min(upTo, from + PURGE_CHUNK - 1);
    const [deleted] = await store.query<{ n: string | number }>(
      "SELECT chronicle_purge_events($1, $2) AS n",
      [projectId, end],
    );
    const count = Number(deleted?.n ?? 0);
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
  const projects = await store.query<{
    project_id: string;
    retention_days: number;
    last_seq: number;
    checkpoint_seq: number | null;
  }>(
    `SELECT project_id, retention_days, last_seq, checkpoint_seq FROM projects
     WHERE retention_days IS NOT NULL ORDER BY project_id`,
  );
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
  await store.query("DELETE FROM idempotency_keys WHERE created_at < $1", [
    new Date(at.getTime() - DAY_MS).toISOString(),
  ]);
  await pruneRateLimits(store, at);
  return reports;
}
