import { ServiceError } from "../../domain/errors.js";
import { readsOf } from "../../store/reads.js";
import { rootOf } from "../../store/root.js";
import type { Store } from "../../store/types.js";

/** How many of one project's event reads run at once in this process, and how long others wait. */
export interface ReadLimits {
  /** Reads of one project running at once (each holds a read connection while it runs). */
  perProject: number;
  /** Longest a read waits for its turn before `429 too_many_reads`. */
  maxWaitMs: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { perProject: 3, maxWaitMs: 5_000 };

/** A project's reads waiting beyond this many are refused at once rather than queued. */
const MAX_WAITING = 100;

export interface ReadTurnOptions {
  /** Waits as long as it takes: a read inside an open stream, which the stream cap bounds. */
  patient?: boolean;
  /** The request's client went away: a read still waiting gives up its place, one running stops. */
  signal?: AbortSignal | undefined;
}

interface Waiter {
  readonly patient: boolean;
  readonly since: number;
  admit(): void;
}

interface ProjectTurns {
  running: number;
  waiting: Waiter[];
  /** Waiting reads that are not patient (those the MAX_WAITING bound counts). */
  bounded: number;
}

/**
 * Turns for event reads, per project and for the process. A project runs at most
 * `perProject` reads at once; all projects together run at most `total` (the read pool's
 * connections), so reads wait here, in turn, rather than in the pool. When a turn frees,
 * it goes to the project with the fewest reads running (then the one waiting longest), so a
 * project with one read waiting is served before a busy project's tenth. A read that waits
 * longer than `maxWaitMs` (or finds MAX_WAITING of its project's ahead of it) is refused
 * `429 too_many_reads`; a patient one waits as long as it takes.
 *
 * Hand-written: a keyed semaphore with a fair, bounded and timed queue; the libraries
 * (p-limit, async-sema) have no keys, no fairness between keys and no bound.
 */
export class ReadGate {
  readonly #projects = new Map<string, ProjectTurns>();
  #running = 0;

  constructor(
    readonly limits: ReadLimits,
    /** Reads of every project running at once; Infinity where the store has no read pool. */
    readonly total: number = Number.POSITIVE_INFINITY,
  ) {}

  async run<T>(
    projectId: string,
    read: () => Promise<T>,
    options: ReadTurnOptions = {},
  ): Promise<T> {
    await this.#enter(projectId, options);
    try {
      return await read();
    } finally {
      this.#leave(projectId);
    }
  }

  /** Reads of `projectId` running now. */
  running(projectId: string): number {
    return this.#projects.get(projectId)?.running ?? 0;
  }

  /** Reads of `projectId` waiting for a turn now. */
  waiting(projectId: string): number {
    return this.#projects.get(projectId)?.waiting.length ?? 0;
  }

  #turnsOf(projectId: string): ProjectTurns {
    let turns = this.#projects.get(projectId);
    if (!turns) {
      turns = { running: 0, waiting: [], bounded: 0 };
      this.#projects.set(projectId, turns);
    }
    return turns;
  }

  #canStart(turns: ProjectTurns): boolean {
    return turns.running < this.limits.perProject && this.#running < this.total;
  }

  #start(turns: ProjectTurns): void {
    turns.running += 1;
    this.#running += 1;
  }

  #enter(projectId: string, options: ReadTurnOptions): Promise<void> | undefined {
    const patient = options.patient === true;
    const { signal } = options;
    signal?.throwIfAborted();
    const turns = this.#turnsOf(projectId);
    if (turns.waiting.length === 0 && this.#canStart(turns)) {
      this.#start(turns);
      return undefined;
    }
    if (!patient && turns.bounded >= MAX_WAITING) {
      this.#forgetIfIdle(projectId, turns);
      throw this.#refusal();
    }
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const giveUp = (reason: unknown) => {
        const at = turns.waiting.indexOf(waiter);
        if (at < 0) return;
        turns.waiting.splice(at, 1);
        if (!patient) turns.bounded -= 1;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#forgetIfIdle(projectId, turns);
        reject(reason);
      };
      const onAbort = () => giveUp(signal?.reason);
      const waiter: Waiter = {
        patient,
        since: Date.now(),
        admit: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      turns.waiting.push(waiter);
      if (!patient) {
        turns.bounded += 1;
        timer = setTimeout(() => giveUp(this.#refusal()), this.limits.maxWaitMs);
        timer.unref();
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #leave(projectId: string): void {
    const turns = this.#projects.get(projectId);
    if (turns) turns.running -= 1;
    this.#running -= 1;
    this.#admitWaiting();
    if (turns) this.#forgetIfIdle(projectId, turns);
  }

  /** Hands free turns to waiting reads: the project running fewest first, then the longest waiting. */
  #admitWaiting(): void {
    while (this.#running < this.total) {
      let next: ProjectTurns | undefined;
      for (const turns of this.#projects.values()) {
        const head = turns.waiting[0];
        if (!head || turns.running >= this.limits.perProject) continue;
        if (
          !next ||
          turns.running < next.running ||
          (turns.running === next.running && head.since < (next.waiting[0] as Waiter).since)
        ) {
          next = turns;
        }
      }
      const waiter = next?.waiting.shift();
      if (!next || !waiter) return;
      if (!waiter.patient) next.bounded -= 1;
      this.#start(next);
      waiter.admit();
    }
  }

  #forgetIfIdle(projectId: string, turns: ProjectTurns): void {
    if (turns.running <= 0 && turns.waiting.length === 0) this.#projects.delete(projectId);
  }

  #refusal(): ServiceError {
    return new ServiceError(
      "too_many_reads",
      `This project's reads already fill their share of this server (${this.limits.perProject} at once, the rest waiting); retry shortly`,
      { headers: { "Retry-After": "1" } },
    );
  }
}

const gates = new WeakMap<Store, ReadGate>();

/** Reads of every project the store's read connections can run at once. */
function totalOf(store: Store): number {
  return store.reads?.poolStats?.().max ?? Number.POSITIVE_INFINITY;
}

/** Sets the read limits of `store` (and every view of it); defaults otherwise. */
export function installReadLimits(store: Store, limits: ReadLimits): void {
  const root = rootOf(store);
  gates.set(root, new ReadGate(limits, totalOf(root)));
}

export function readGateOf(store: Store): ReadGate {
  const root = rootOf(store);
  let gate = gates.get(root);
  if (!gate) {
    gate = new ReadGate(DEFAULT_READ_LIMITS, totalOf(root));
    gates.set(root, gate);
  }
  return gate;
}

/**
 * Runs one event read of `projectId` in its turn, on the store's read connections
 * (store/reads.ts). When `options.signal` aborts, a read still waiting gives up its place
 * and one running is cancelled in the database.
 */
export function projectRead<T>(
  store: Store,
  projectId: string,
  read: (reads: Store) => Promise<T>,
  options: ReadTurnOptions = {},
): Promise<T> {
  return readGateOf(store).run(projectId, () => read(readsOf(store, options.signal)), options);
}
