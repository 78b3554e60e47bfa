import { channel } from "node:diagnostics_channel";
import { ServiceError } from "../../domain/errors.js";
import { rootOf } from "../../store/root.js";
import type { Queryable, Store } from "../../store/types.js";

/**
 * Group commit for one project's writes (bench/FINDINGS.md B1). The writes this process
 * receives for a project while one group is in flight wait in memory, and go to the
 * database together in the next group: one statement (or transaction) and one WAL flush for
 * all of them, each still getting its own result or error. A project's groups run one at a
 * time in a process, so a writer may rely on what the previous group of the project left;
 * except for a `pipelined` writer, whose large groups (PIPELINED_MIN_EVENTS events) start
 * while up to PIPELINED_GROUPS - 1 earlier ones are in flight: its statements must order
 * themselves in the database (migration 0014), and a group of a few events, whose time is
 * mostly its commit, still waits and shares the next commit.
 *
 * A writer gets the group's units and returns one outcome per unit. A transactional writer
 * (the default) runs in a transaction the group shares: a unit's failure must be a
 * ServiceError raised before that unit wrote anything (an idempotency conflict, a missing
 * project); a database error aborts the shared transaction, and then every unit of the
 * group runs again in a transaction of its own, so only the failing one sees it. A writer
 * marked `commitsItself` gets the store and sends its own statements, each committing on
 * its own: it isolates failures itself, and an error it throws fails every unit.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: Error };

export type ProjectWriter<U, R> = ((db: Queryable, units: U[]) => Promise<Outcome<R>[]>) & {
  commitsItself?: boolean;
  pipelined?: boolean;
};

interface Pending {
  unit: unknown;
  /**
   * The store the unit came with (a request's traced view, or the shared one): the group
   * runs on its first unit's, so its transaction is attributed to the request that opened it.
   */
  store: Store;
  /** Events the unit writes: groups stop growing at MAX_GROUP_EVENTS. */
  size: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Lane {
  /** Groups of the lane being written. */
  inFlight: number;
  queue: Pending[];
}

/**
 * Publishes `{ store, units, events }` for every committed group (metrics subscribe; with
 * no subscriber publishing costs nothing).
 */
export const appendGroupChannel = channel("chronicle:append-group");

export interface AppendGroupMessage {
  store: Store;
  /** Writes that shared the transaction. */
  units: number;
  /** Events those writes committed. */
  events: number;
}

const MAX_GROUP_UNITS = 64;
const MAX_GROUP_EVENTS = 5000;
/**
 * A pipelined writer's groups: at most this many in flight per project, each of at most
 * PIPELINED_GROUP_EVENTS events (a batch's maximum), so that queued batches are written by
 * several connections at once rather than as one statement on one.
 */
const PIPELINED_GROUPS = 4;
const PIPELINED_GROUP_EVENTS = 1000;
/**
 * Fewer events than this start only when nothing of the project is in flight. 100, not 1 or
 * 500 (bench/FINDINGS.md B26): at 1 single events pipeline and wait on each other's locks;
 * at 500 a project's 100-event batches are written as one statement on one backend.
 */
const PIPELINED_MIN_EVENTS = 100;

// biome-ignore lint/suspicious/noExplicitAny: lanes hold the units of any writer.
type AnyWriter = ProjectWriter<any, unknown>;
const lanes = new WeakMap<Store, Map<AnyWriter, Map<string, Lane>>>();

/** Runs `unit` through `writer` in a transaction of `projectId`'s writes, shared with others. */
export function inProjectGroup<U, R>(
  store: Store,
  projectId: string,
  size: number,
  unit: U,
  writer: ProjectWriter<U, R>,
): Promise<R> {
  let byWriter = lanes.get(rootOf(store));
  if (!byWriter) {
    byWriter = new Map();
    lanes.set(rootOf(store), byWriter);
  }
  let byProject = byWriter.get(writer as AnyWriter);
  if (!byProject) {
    byProject = new Map();
    byWriter.set(writer as AnyWriter, byProject);
  }
  let lane = byProject.get(projectId);
  if (!lane) {
    lane = { inFlight: 0, queue: [] };
    byProject.set(projectId, lane);
  }
  const current = lane;
  const projects = byProject;
  return new Promise<R>((resolve, reject) => {
    current.queue.push({
      unit,
      size,
      store,
      resolve: resolve as (value: unknown) => void,
      reject,
    });
    startGroups(projectId, current, projects, writer as AnyWriter);
  });
}

/**
 * A unit's outcome: its value, or the ServiceError it was refused with. Any other error
 * is let through, so that it aborts the shared transaction.
 */
export async function outcomeOf<R>(run: () => Promise<R>): Promise<Outcome<R>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof ServiceError) return { ok: false, error };
    throw error;
  }
}

/** Starts the lane's queued groups that may start now; each starts the next as it ends. */
function startGroups(
  projectId: string,
  lane: Lane,
  projects: Map<string, Lane>,
  writer: AnyWriter,
): void {
  while (lane.queue.length > 0 && mayStart(lane, writer)) {
    const group = takeGroup(
      lane.queue,
      writer.pipelined ? PIPELINED_GROUP_EVENTS : MAX_GROUP_EVENTS,
    );
    lane.inFlight += 1;
    void runGroup(group, writer)
      .catch((error: unknown) => {
        for (const pending of group) pending.reject(error);
      })
      .finally(() => {
        lane.inFlight -= 1;
        if (lane.queue.length === 0 && lane.inFlight === 0) projects.delete(projectId);
        else startGroups(projectId, lane, projects, writer);
      });
  }
}

function mayStart(lane: Lane, writer: AnyWriter): boolean {
  if (lane.inFlight === 0) return true;
  if (!writer.pipelined || lane.inFlight >= PIPELINED_GROUPS) return false;
  let events = 0;
  for (const pending of lane.queue) {
    events += pending.size;
    if (events >= PIPELINED_MIN_EVENTS) return true;
  }
  return false;
}

function takeGroup(queue: Pending[], maxEvents: number): Pending[] {
  let events = 0;
  let count = 0;
  while (count < queue.length && count < MAX_GROUP_UNITS) {
    const size = queue[count]?.size ?? 0;
    if (count > 0 && events + size > maxEvents) break;
    events += size;
    count += 1;
  }
  return queue.splice(0, count);
}

function settle(pending: Pending, outcome: Outcome<unknown> | undefined): void {
  if (!outcome) pending.reject(new Error("the writer returned no outcome for a unit"));
  else if (outcome.ok) pending.resolve(outcome.value);
  else pending.reject(outcome.error);
}

/** Thrown to roll a group back when none of its units succeeded; carries their outcomes. */
class NothingToCommit extends Error {
  constructor(readonly outcomes: Outcome<unknown>[]) {
    super("every unit of the group failed");
  }
}

async function runGroup(group: Pending[], writer: AnyWriter): Promise<void> {
  const store = (group[0] as Pending).store;
  const units = group.map((pending) => pending.unit);
  let outcomes: Outcome<unknown>[];
  if (writer.commitsItself) {
    try {
      outcomes = await writer(store, units);
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    return settleGroup(store, group, outcomes);
  }
  try {
    outcomes = await store.transaction(async (tx) => {
      const result = await writer(tx, units);
      if (result.every((outcome) => !outcome.ok)) throw new NothingToCommit(result);
      return result;
    });
  } catch (error) {
    if (error instanceof NothingToCommit) {
      for (const [index, pending] of group.entries()) settle(pending, error.outcomes[index]);
      return;
    }
    if (group.length === 1) return (group[0] as Pending).reject(error);
    for (const pending of group) {
      await runGroup([pending], writer);
    }
    return;
  }
  settleGroup(store, group, outcomes);
}

function settleGroup(store: Store, group: Pending[], outcomes: Outcome<unknown>[]): void {
  if (appendGroupChannel.hasSubscribers) {
    let events = 0;
    for (const [index, pending] of group.entries()) if (outcomes[index]?.ok) events += pending.size;
    appendGroupChannel.publish({ store, units: group.length, events } satisfies AppendGroupMessage);
  }
  for (const [index, pending] of group.entries()) settle(pending, outcomes[index]);
}
