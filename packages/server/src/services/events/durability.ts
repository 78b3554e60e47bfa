import { rootOf } from "../../store/root.js";
import type { Store } from "../../store/types.js";
import { flushWal } from "../../store/wal.js";

/**
 * Appends on PostgreSQL commit without waiting for the disk (migration 0009), so a project's
 * row lock is not held through a WAL flush and its next append need not wait for one. Nothing
 * is answered or announced before its flush, though: `whenDurable` resolves once everything
 * committed before the call is on disk. One flush runs at a time per store; the callers that
 * arrive meanwhile share the next one (a flush that started before their commit would not
 * cover it), so concurrent appends of every project pay one flush between them.
 */
interface Flusher {
  running: Promise<void> | undefined;
  next: Promise<void> | undefined;
}

const flushers = new WeakMap<Store, Flusher>();

/**
 * True when appends to `store` commit without waiting for their flush. Off: between such a
 * commit and its flush, other sessions already read the events (lists, exports, streams,
 * the checkpoint signer), and a crash in that window would hand the same seqs to other
 * events after they were seen or even signed. Measured on, it bought neither single-ingest
 * throughput nor replica scaling, and the row's lock waits stayed (bench/FINDINGS.md B33);
 * it stays behind this switch until every reader waits for durability too.
 */
export function flushesLater(_store: Store): boolean {
  return false;
}

export function whenDurable(store: Store): Promise<void> {
  if (!flushesLater(store)) return Promise.resolve();
  let flusher = flushers.get(rootOf(store));
  if (!flusher) {
    flusher = { running: undefined, next: undefined };
    flushers.set(rootOf(store), flusher);
  }
  const state = flusher;
  if (!state.running) {
    state.running = flushWal(store).finally(() => {
      state.running = undefined;
    });
    return state.running;
  }
  state.next ??= state.running
    .catch(() => undefined)
    .then(() => {
      state.next = undefined;
      return whenDurable(store);
    });
  return state.next;
}
