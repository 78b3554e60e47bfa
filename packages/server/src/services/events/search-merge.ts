import { channel } from "node:diagnostics_channel";
import { setTimeout as sleep } from "node:timers/promises";
import { mergeSearchPending } from "../../store/search-pending.js";
import type { Store } from "../../store/types.js";
import { onLocalAppend } from "./append-signal.js";

interface MergeLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Publishes `{ store, pages }` for every merge that moved pages (no subscriber: no cost). */
export const searchMergeChannel = channel("chronicle:search-merge");

export interface SearchMergeMessage {
  store: Store;
  /** Pending-list pages the merge moved into the index. */
  pages: number;
}

/** The pause after a merge that found nothing to merge: a trickle of appends is not followed by a merge each. */
const IDLE_PAUSE_MS = 25;
/** After a failed merge, appends do not start another for this long (the inserts merge meanwhile). */
const RETRY_AFTER_MS = 30_000;

/**
 * Keeps the search index's pending list merged beside this process's appends (migration
 * 0030, bench/FINDINGS.md B44): once an append is announced, merges until a merge finds
 * nothing more and no append came meanwhile. While it merges, an insert that finds the list
 * full leaves it to this merge instead of merging inside its append, where every append of
 * the project queued behind it would wait. Inserts still merge when it is not running (a
 * failure, a quiet moment), so the list never grows past what it did without it. Returns
 * the function that stops it, resolved once a merge under way has ended.
 */
export function mergeSearchIndexBesideAppends(
  store: Store,
  logger: MergeLogger,
): () => Promise<void> {
  let wanted = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let failedAt: number | undefined;

  const mergeWhileWanted = async () => {
    while (wanted && !stopped) {
      wanted = false;
      let pages: number | null;
      try {
        pages = await mergeSearchPending(store);
      } catch (error) {
        if (stopped) return;
        if (failedAt === undefined) {
          logger.warn("search index merge failed; inserts merge it meanwhile", {
            error: String(error),
          });
        }
        failedAt = Date.now();
        return;
      }
      if (failedAt !== undefined) {
        failedAt = undefined;
        logger.info("search index merges resumed");
      }
      // Something merged: look again, appends went on meanwhile. Nothing, or another session
      // merging: pause, and go on only if an append came.
      if (pages !== null && pages > 0) {
        if (searchMergeChannel.hasSubscribers) {
          searchMergeChannel.publish({ store, pages } satisfies SearchMergeMessage);
        }
        wanted = true;
      } else await sleep(IDLE_PAUSE_MS, undefined, { ref: false });
    }
  };

  const unsubscribe = onLocalAppend(store, () => {
    wanted = true;
    if (running || stopped) return;
    if (failedAt !== undefined && Date.now() - failedAt < RETRY_AFTER_MS) return;
    running = mergeWhileWanted().finally(() => {
      running = undefined;
    });
  });

  return async () => {
    stopped = true;
    unsubscribe();
    await running;
  };
}
