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

/**
 * Brings the distinct actor, target and target type counts of every project up to its
 * newest event (GET /v1/project reads them, never the events). Returns how many projects
 * it counted for.
 */
export async function countDistinct(store: Store): Promise<number> {
  const projects = await selectProjectsToCount(store, PROJECTS_PER_RUN);
  for (const projectId of projects) {
    for (;;) {
      const before = await selectProject(store, projectId);
      if (!before || Number(before.counted_seq) >= Number(before.last_seq)) break;
      await store.transaction((tx) => countNextEvents(tx, projectId, COUNT_CHUNK));
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
