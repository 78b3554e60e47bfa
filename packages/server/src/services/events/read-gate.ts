import { ServiceError } from "../../domain/errors.js";
import { readsOf } from "../../store/reads.js";
import { rootOf } from "../../store/root.js";
import type { Store } from "../../store/types.js";

/** How many of one project's event reads run at once in this process, and how long others wait. */
export interface ReadLimits {
  /** Reads of one project running at once (each holds a read connection while it runs). */
  perProject: number;
  /** Longest a read waits for its project's turn before `429 too_many_reads`. */
  maxWaitMs: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { perProject: 3, maxWaitMs: 5_000 };

/** A project's reads waiting beyond this many are refused at once rather than queued. */
const MAX_WAITING = 100;

interface Waiter {
  admit(): void;
}

interface Turns {
  running: number;
  waiting: Waiter[];
}

/**
 * Per-project turns for event reads: however many requests one project sends, at most
 * `perProject` of its reads hold read connections at once, so the rest of the read pool is
 * left to other projects. Reads over that wait in order; one that waits longer than
 * `maxWaitMs` (or finds MAX_WAITING ahead of it) is refused. Reads inside an open stream (a
 * live tail's) are patient: they wait as long as it takes, since the stream cap already
 * bounds how many there are. Hand-written: a semaphore per key with a bounded, timed queue
 * is a few lines, and the libraries (p-limit, async-sema) have neither the key nor the bound.
 */
export class ReadGate {
  readonly #projects = new Map<string, Turns>();

  constructor(readonly limits: ReadLimits) {}

  async run<T>(projectId: string, read: () => Promise<T>, patient = false): Promise<T> {
    await this.#enter(projectId, patient);
    try {
      return await read();
    } finally {
      this.#leave(projectId);
    }
  }

  /** Reads of `projectId` running now (for tests and metrics). */
  running(projectId: string): number {
    return this.#projects.get(projectId)?.running ?? 0;
  }

  #enter(projectId: string, patient: boolean): Promise<void> | undefined {
    let turns = this.#projects.get(projectId);
    if (!turns) {
      turns = { running: 0, waiting: [] };
      this.#projects.set(projectId, turns);
    }
    if (turns.running < this.limits.perProject && turns.waiting.length === 0) {
      turns.running += 1;
      return undefined;
    }
    if (!patient && turns.waiting.length >= MAX_WAITING) throw this.#refusal();
    const queue = turns.waiting;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      if (!patient) {
        timer = setTimeout(() => {
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          reject(this.#refusal());
        }, this.limits.maxWaitMs);
      }
      queue.push(waiter);
    });
  }

  /** The turn passes to the next waiting read, if any (the running count stays), else ends. */
  #leave(projectId: string): void {
    const turns = this.#projects.get(projectId);
    if (!turns) return;
    const next = turns.waiting.shift();
    if (next) {
      next.admit();
      return;
    }
    turns.running -= 1;
    if (turns.running <= 0) this.#projects.delete(projectId);
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

/** Sets the read limits of `store` (and every view of it); defaults otherwise. */
export function installReadLimits(store: Store, limits: ReadLimits): void {
  gates.set(rootOf(store), new ReadGate(limits));
}

export function readGateOf(store: Store): ReadGate {
  const root = rootOf(store);
  let gate = gates.get(root);
  if (!gate) {
    gate = new ReadGate(DEFAULT_READ_LIMITS);
    gates.set(root, gate);
  }
  return gate;
}

/**
 * Runs one event read of `projectId` in its turn, on the store's read connections
 * (store/reads.ts). `patient`: waits without a bound (a read inside an open stream).
 */
export function projectRead<T>(
  store: Store,
  projectId: string,
  read: (reads: Store) => Promise<T>,
  patient = false,
): Promise<T> {
  return readGateOf(store).run(projectId, () => read(readsOf(store)), patient);
}
