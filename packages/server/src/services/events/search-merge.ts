import { channel, subscribe, unsubscribe } from "node:diagnostics_channel";
import { setTimeout as sleep } from "node:timers/promises";
import { rootOf } from "../../store/root.js";
import { mergeSearchPendingWithin, searchMergeTargets } from "../../store/search-pending.js";
import type { Store } from "../../store/types.js";
import { type AppendGroupMessage, appendGroupChannel } from "./group-commit.js";

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

/**
 * The pages a merge aims at: three quarters of the 256 kB (32 pages) an insert merged at
 * before migration 0032 raised the list's limit to 1 MB, the pieces B44 measured, so the
 * list is merged long before an insert finds it full (merging each event's entries as they
 * come halves batch ingest).
 */
const TARGET_PAGES = 24;
/**
 * Append groups of fewer events start no merge: a project's later groups queue behind a
 * merging one when its groups are pipelined (group-commit.ts PIPELINED_MIN_EVENTS), and
 * merging beside single events bought them nothing (B44).
 */
const MIN_GROUP_EVENTS = 100;
/**
 * The longest one merge runs. A merge empties the list whole, going on with what appends
 * add meanwhile, and the pages it frees are reused only once it returns: beside sustained
 * batches it ran until the statement timed out (20 s), every pending page written in that
 * time a new page of the index (5–13 × its size, B59). A merge that stops at this bound is
 * followed by the next at once.
 */
const MERGE_BOUND_MS = 1_000;
/** The pauses between merges: none while appends fill the list faster than a merge empties it. */
const MAX_PAUSE_MS = 500;
/** How long the partitions to merge are kept (they reach two minutes ahead of the clock). */
const TARGETS_TTL_MS = 60_000;
/** After a failed merge, appends start no other for this long (the inserts merge meanwhile). */
const RETRY_AFTER_MS = 30_000;

/**
 * Keeps the search index's pending list merged beside this process's appends of batches
 * (migration 0030, bench/FINDINGS.md B44): once a group of MIN_GROUP_EVENTS or more
 * commits, merges until a merge finds nothing more and no such group came meanwhile. While
 * it merges, an insert that finds the list full leaves it to this merge instead of merging
 * inside its append, where every append of the project queued behind it would wait; the
 * list may then grow past its limit until the merge reaches it (searches read the pending
 * list whole). Inserts merge as before whenever no merge runs (a failure, a pause). Returns
 * the function that stops it, resolved once a merge under way has ended.
 */
export function mergeSearchIndexBesideAppends(
  store: Store,
  logger: MergeLogger,
): () => Promise<void> {
  let wanted = false;
  let stopped = false;
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  let failedAt: number | undefined;
  let targets: { indexes: string[]; readAt: number } | undefined;

  const currentTargets = async () => {
    if (!targets || Date.now() - targets.readAt > TARGETS_TTL_MS) {
      targets = { indexes: await searchMergeTargets(store), readAt: Date.now() };
    }
    return targets.indexes;
  };

  const mergeWhileWanted = async () => {
    let lastStart: number | undefined;
    while (wanted && !stopped) {
      wanted = false;
      const start = Date.now();
      let merged: number | "bounded" | null;
      try {
        merged = await mergeSearchPendingWithin(store, await currentTargets(), MERGE_BOUND_MS);
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
      if (merged === "bounded") {
        // More to merge: the next merge starts now, whether or not a group came meanwhile.
        wanted = true;
        lastStart = undefined;
        continue;
      }
      const pages = merged;
      if (pages !== null && pages > 0 && searchMergeChannel.hasSubscribers) {
        searchMergeChannel.publish({ store, pages } satisfies SearchMergeMessage);
      }
      // The next merge when TARGET_PAGES will have gathered at the rate this one found
      // (right away after the first of a run); it runs only if a group came meanwhile.
      const perMs = pages && lastStart !== undefined ? pages / (start - lastStart || 1) : 0;
      const pause =
        lastStart === undefined
          ? 0
          : perMs > 0
            ? TARGET_PAGES / perMs - (Date.now() - start)
            : MAX_PAUSE_MS;
      lastStart = start;
      if (pause > 0) {
        await sleep(Math.min(pause, MAX_PAUSE_MS), undefined, {
          ref: false,
          signal: stopping.signal,
        }).catch(() => undefined);
      }
    }
  };

  const onGroup = (message: unknown) => {
    const group = message as AppendGroupMessage;
    if (group.events < MIN_GROUP_EVENTS || rootOf(group.store) !== rootOf(store)) return;
    wanted = true;
    if (running || stopped) return;
    if (failedAt !== undefined && Date.now() - failedAt < RETRY_AFTER_MS) return;
    running = mergeWhileWanted().finally(() => {
      running = undefined;
    });
  };
  subscribe(appendGroupChannel.name, onGroup);

  return async () => {
    stopped = true;
    stopping.abort();
    unsubscribe(appendGroupChannel.name, onGroup);
    await running;
  };
}
