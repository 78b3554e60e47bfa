import {
  type Checkpoint,
  CheckpointError,
  type VerifierKeyString,
  verifyCheckpoint,
} from "./checkpoint.js";
import { type ConsistencyProofLike, verifyConsistency } from "./verify-proofs.js";

/** Raised when a server's log is not an extension of what it showed before. */
export class LogForkError extends CheckpointError {
  override name = "LogForkError";
}

export interface CheckpointSource {
  checkpoint(): Promise<{ note: string }>;
  consistencyProof(fromSize: number, toSize: number): Promise<ConsistencyProofLike>;
}

export interface WatcherOptions {
  /**
   * The log expected (`<deployment origin>/<project id>`, see `verifyCheckpoint`): a first
   * checkpoint, or a `last` note, of another log is refused with CheckpointError. Once one
   * is accepted, a checkpoint of another log is a LogForkError, pinned or not.
   */
  origin?: string;
  /** The last checkpoint seen, from an earlier run (its `note`): the watcher resumes from it. */
  last?: string;
  /** Called with each newly accepted checkpoint's note, to persist it. */
  onCheckpoint?: (note: string) => void | Promise<void>;
}

/**
 * Remembers the last checkpoint it accepted and accepts a new one only when its signature
 * verifies with pinned keys and the server proves it extends the old tree. A server that
 * rolls history back (a smaller tree), forks it (another root at the same size) or cannot
 * prove consistency is refused with LogForkError, and the remembered checkpoint stays.
 * Without `options.origin` the first checkpoint may be of any log the keys sign.
 */
export class CheckpointWatcher {
  #last: Checkpoint | undefined;
  readonly #lastNote: string | undefined;

  constructor(
    private readonly source: CheckpointSource,
    private readonly keys: readonly VerifierKeyString[],
    private readonly options: WatcherOptions = {},
  ) {
    this.#lastNote = options.last;
  }

  /** The last accepted checkpoint, if any. */
  get last(): Checkpoint | undefined {
    return this.#last;
  }

  /** Fetches the server's checkpoint and accepts it if it extends the last one. */
  async check(): Promise<Checkpoint> {
    const pin = { origin: this.options.origin };
    if (!this.#last && this.#lastNote) {
      this.#last = await verifyCheckpoint(this.#lastNote, this.keys, pin);
    }
    const last = this.#last;
    // The first checkpoint must be of the pinned log; a later one is held to the last one.
    const note = (await this.source.checkpoint()).note;
    const next = await verifyCheckpoint(note, this.keys, last ? {} : pin);
    if (last) {
      if (next.origin !== last.origin) {
        throw new LogForkError(`the server now serves another log (${next.origin})`);
      }
      if (next.treeSize < last.treeSize) {
        throw new LogForkError(
          `the server rolled the log back from ${last.treeSize} to ${next.treeSize} events`,
        );
      }
      const proof =
        next.treeSize === last.treeSize
          ? { from_size: last.treeSize, to_size: next.treeSize, hashes: [] }
          : await this.source.consistencyProof(last.treeSize, next.treeSize);
      if (!(await verifyConsistency(last, next, proof))) {
        throw new LogForkError(
          `the tree of ${next.treeSize} events is not an extension of the tree of ${last.treeSize} seen before`,
        );
      }
    }
    this.#last = next;
    await this.options.onCheckpoint?.(next.note);
    return next;
  }
}
