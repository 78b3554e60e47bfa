import { listenForAppends } from "../../store/event-notifications.js";
import type { Store } from "../../store/types.js";
import { onLocalAppend } from "./append-signal.js";

type Listener = (lastSeq: number) => void;

/**
 * Wakes the live tails of each project: appends of this process at once (append-signal.ts),
 * other replicas' through one LISTEN on `chronicle_events` per app. Listening starts with
 * the first tail and stops when the last one leaves.
 */
export class TailHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private unlisten: Promise<() => Promise<void>> | undefined;
  private stopLocal: (() => void) | undefined;
  private count = 0;

  constructor(private readonly store: Store) {}

  async subscribe(projectId: string, listener: Listener): Promise<() => Promise<void>> {
    const set = this.listeners.get(projectId) ?? new Set<Listener>();
    this.listeners.set(projectId, set);
    set.add(listener);
    this.count++;
    this.stopLocal ??= onLocalAppend(this.store, (projectId, lastSeq) =>
      this.dispatch(projectId, lastSeq),
    );
    if (!this.unlisten) {
      this.unlisten = listenForAppends(
        this.store,
        (projectId, lastSeq) => this.dispatch(projectId, lastSeq),
        // Notifications sent while the listening connection was down were missed: every tail
        // reads what it has not seen yet.
        () => this.wakeAll(),
      );
      this.unlisten.catch(() => {
        this.unlisten = undefined;
      });
    }
    try {
      await this.unlisten;
    } catch (error) {
      this.remove(projectId, listener);
      throw error;
    }
    let removed = false;
    return async () => {
      if (removed) return;
      removed = true;
      await this.remove(projectId, listener);
    };
  }

  private dispatch(projectId: string, lastSeq: number): void {
    for (const listener of this.listeners.get(projectId) ?? []) listener(lastSeq);
  }

  private wakeAll(): void {
    for (const [, listeners] of this.listeners) {
      for (const listener of listeners) listener(-1);
    }
  }

  private async remove(projectId: string, listener: Listener): Promise<void> {
    const set = this.listeners.get(projectId);
    if (!set?.delete(listener)) return;
    if (set.size === 0) this.listeners.delete(projectId);
    this.count--;
    if (this.count === 0) {
      this.stopLocal?.();
      this.stopLocal = undefined;
    }
    if (this.count === 0 && this.unlisten) {
      const pending = this.unlisten;
      this.unlisten = undefined;
      const stop = await pending.catch(() => undefined);
      await stop?.();
    }
  }
}
