import { notifyAppends } from "../../store/event-notifications.js";
import { rootOf } from "../../store/root.js";
import type { Store } from "../../store/types.js";

/**
 * Wake-ups for live tails, sent after an append has committed and never inside it (issue
 * 12): the appends' commits do not queue on PostgreSQL's one notification lock. Tails of
 * the same process are called at once; other replicas learn through one NOTIFY per
 * project per COALESCE_MS, sent on its own with the newest seq. A wake-up only tells a tail
 * to read past what it has sent, so coalescing loses nothing and delivers nothing twice.
 */
type LocalListener = (projectId: string, lastSeq: number) => void;

/** How long appends' announcements to other replicas are gathered before one NOTIFY. */
export const COALESCE_MS = 50;

interface Outbox {
  listeners: Set<LocalListener>;
  /** Newest seq per project not announced to other replicas yet. */
  pending: Map<string, number>;
  timer: NodeJS.Timeout | undefined;
  /** NOTIFYs failed in a row: after MAX_FAILURES the pending ones are dropped (heartbeats cover). */
  failures: number;
}

const MAX_FAILURES = 20;

const outboxes = new WeakMap<Store, Outbox>();

function outboxOf(store: Store): Outbox {
  let outbox = outboxes.get(rootOf(store));
  if (!outbox) {
    outbox = { listeners: new Set(), pending: new Map(), timer: undefined, failures: 0 };
    outboxes.set(rootOf(store), outbox);
  }
  return outbox;
}

/** Calls `listener` for every append this process commits to `store`; returns the unsubscribe. */
export function onLocalAppend(store: Store, listener: LocalListener): () => void {
  const outbox = outboxOf(store);
  outbox.listeners.add(listener);
  return () => outbox.listeners.delete(listener);
}

/** Announces a committed append: local tails now, other replicas with the next coalesced NOTIFY. */
export function announceAppend(store: Store, projectId: string, lastSeq: number): void {
  const outbox = outboxOf(store);
  for (const listener of outbox.listeners) listener(projectId, lastSeq);
  if ((outbox.pending.get(projectId) ?? -1) < lastSeq) outbox.pending.set(projectId, lastSeq);
  if (!outbox.timer) {
    outbox.timer = setTimeout(() => void flush(store, outbox), COALESCE_MS);
    outbox.timer.unref();
  }
}

async function flush(store: Store, outbox: Outbox): Promise<void> {
  const batch = [...outbox.pending];
  outbox.pending.clear();
  try {
    await notifyAppends(
      store,
      batch.map(([projectId]) => projectId),
      batch.map(([, lastSeq]) => lastSeq),
    );
    outbox.failures = 0;
  } catch {
    // Not sent (the database is away, or the store closed): kept for the next tries, unless
    // newer seqs replaced it; tails also read on every heartbeat.
    outbox.failures += 1;
    if (outbox.failures < MAX_FAILURES)
      for (const [projectId, lastSeq] of batch) {
        if ((outbox.pending.get(projectId) ?? -1) < lastSeq) outbox.pending.set(projectId, lastSeq);
      }
  } finally {
    outbox.timer = undefined;
    if (outbox.pending.size > 0) {
      outbox.timer = setTimeout(() => void flush(store, outbox), COALESCE_MS);
      outbox.timer.unref();
    }
  }
}
