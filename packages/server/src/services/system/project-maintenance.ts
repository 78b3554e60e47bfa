import {
  countNextEvents,
  purgeProject,
  selectProject,
  selectProjectsToCount,
  selectProjectsToPurge,
} from "../../store/projects.js";
import type { Store } from "../../store/types.js";

/** Events counted per transaction: short, so a counter never holds its row for long. */
const COUNT_CHUNK = 5_000;
/** Projects handled per run, so one run stays bounded however many projects lag. */
const PROJECTS_PER_RUN = 100;

export interface CountOptions {
  /** Events per transaction (default 5,000). */
  chunk?: number;
  /**
   * Called after each chunk with the milliseconds it took; the default waits as long, so the
   * counter keeps at most half of one database session busy while a backlog is counted.
   */
  rest?: (chunkMs: number) => Promise<void>;
}

const restAsLong = (chunkMs: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.min(chunkMs, 1_000)).unref());

/**
 * Brings the distinct actor, target and target type counts of every project up to the
 * newest event it had when the run started (GET /v1/project reads them, never the events).
 * A background job: it never chases a project that keeps ingesting (the next run counts what
 * came since) and rests between chunks, so a large backlog (a bulk import, a restored
 * database) is counted beside ingest rather than in place of it (bench/FINDINGS.md B34).
 * Returns how many projects it counted for.
 */
export async function countDistinct(store: Store, options: CountOptions = {}): Promise<number> {
  const chunk = options.chunk ?? COUNT_CHUNK;
  const rest = options.rest ?? restAsLong;
  const projects = await selectProjectsToCount(store, PROJECTS_PER_RUN);
  for (const projectId of projects) {
    const before = await selectProject(store, projectId);
    if (!before) continue;
    const target = Number(before.last_seq);
    let counted = Number(before.counted_seq);
    while (counted < target) {
      const started = performance.now();
      const next = await store.transaction((tx) =>
        countNextEvents(tx, projectId, Math.min(chunk, target - counted)),
      );
      // Nothing counted: the project is gone.
      if (next <= counted) break;
      counted = next;
      await rest(performance.now() - started);
    }
  }
  return projects.length;
}

export interface ProjectPurge {
  projectId: string;
  rows: number;
}

/**
 * Removes every row of each project whose deletion grace period is over. The owner's
 * function records the removal in the operator log itself, in its own transaction (the
 * record and the removal commit together, or neither does), with what the project was:
 * its name, slug and last seq.
 */
export async function purgeDueProjects(store: Store): Promise<ProjectPurge[]> {
  const due = await selectProjectsToPurge(store, PROJECTS_PER_RUN);
  const purged: ProjectPurge[] = [];
  for (const projectId of due) {
    const rows = await purgeProject(store, projectId);
    if (rows > 0) purged.push({ projectId, rows });
  }
  return purged;
}
