import { ChronicleError } from "../domain/errors.js";
import type { Queryable, Store } from "../store/types.js";

/**
 * Group commit for one project's writes (bench/FINDINGS.md B1). Every append takes the
 * project row lock until commit, so concurrent writers of a project queue on it one
 * transaction (and one WAL flush) at a time. Here the writes this process receives for a
 * project while one transaction is in flight wait in memory instead, and go into the next
 * transaction together: one lock hand-over and one flush for all of them, each still
 * getting its own result or error.
 *
 * A unit of work shares the transaction with the others, so it must either succeed, throw a
 * ChronicleError before it has written anything (an idempotency conflict, a missing
 * project), or let a database error through: that aborts the shared transaction, and then
 * every unit of the group runs again in a transaction of its own, so only the failing one
 * sees its error.
 */
export type ProjectWork<T> = (tx: Queryable) => Promise<T>;

interface Pending {
  work: ProjectWork<unknown>;
  /** Events the unit writes: groups stop growing at MAX_GROUP_EVENTS. */
  size: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Lane {
  running: boolean;
  queue: Pending[];
}

const MAX_GROUP_UNITS = 64;
const MAX_GROUP_EVENTS = 5000;

const lanes = new WeakMap<Store, Map<string, Lane>>();

/** Runs `work` in a transaction of `projectId`'s writes, shared with concurrent ones. */
export function inProjectWrite<T>(
  store: Store,
  projectId: string,
  size: number,
  work: ProjectWork<T>,
): Promise<T> {
  let byProject = lanes.get(store);
  if (!byProject) {
    byProject = new Map();
    lanes.set(store, byProject);
  }
  let lane = byProject.get(projectId);
  if (!lane) {
    lane = { running: false, queue: [] };
    byProject.set(projectId, lane);
  }
  const current = lane;
  const projects = byProject;
  return new Promise<T>((resolve, reject) => {
    current.queue.push({ work, size, resolve: resolve as (value: unknown) => void, reject });
    if (!current.running) void drain(store, projectId, current, projects);
  });
}

async function drain(store: Store, projectId: string, lane: Lane, projects: Map<string, Lane>) {
  lane.running = true;
  try {
    while (lane.queue.length > 0) await runGroup(store, takeGroup(lane.queue));
  } finally {
    lane.running = false;
    if (lane.queue.length === 0) projects.delete(projectId);
    else void drain(store, projectId, lane, projects);
  }
}

function takeGroup(queue: Pending[]): Pending[] {
  let events = 0;
  let count = 0;
  while (count < queue.length && count < MAX_GROUP_UNITS) {
    const size = queue[count]?.size ?? 0;
    if (count > 0 && events + size > MAX_GROUP_EVENTS) break;
    events += size;
    count += 1;
  }
  return queue.splice(0, count);
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function runAlone(store: Store, unit: Pending): Promise<void> {
  try {
    unit.resolve(await store.transaction(unit.work));
  } catch (error) {
    unit.reject(error);
  }
}

async function runGroup(store: Store, group: Pending[]): Promise<void> {
  if (group.length === 1) return runAlone(store, group[0] as Pending);
  const outcomes: Outcome[] = [];
  try {
    await store.transaction(async (tx) => {
      for (const unit of group) {
        try {
          outcomes.push({ ok: true, value: await unit.work(tx) });
        } catch (error) {
          if (!(error instanceof ChronicleError)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    });
  } catch {
    for (const unit of group) await runAlone(store, unit);
    return;
  }
  group.forEach((unit, index) => {
    const outcome = outcomes[index] as Outcome;
    if (outcome.ok) unit.resolve(outcome.value);
    else unit.reject(outcome.error);
  });
}
