import {
  announceCacheChange,
  INVALIDATIONS_CHANNEL,
  selectCacheVersion,
} from "../../store/cache-invalidation.js";
import { rootOf } from "../../store/root.js";
import type { Queryable, Store } from "../../store/types.js";

/**
 * In-process caches of rarely changing rows (keys, tokens, the catalog), kept fresh across
 * replicas. A change commits together with a bump of one version number and a NOTIFY on
 * `chronicle_invalidations` naming the cache and the group (a project) it touched; every
 * replica listening evicts that group when the notification arrives (milliseconds). The
 * safety net for a notification that never comes (a listening connection dropped, or
 * half-open and not yet noticed): before serving from a cache, a replica compares the
 * version with the database's when it last did so more than `VERSION_CHECK_MS` ago, and a
 * version it has not seen flushes every cache. So nothing is served from a cache more than
 * `VERSION_CHECK_MS` (plus one query) after the change committed. PGlite is one process:
 * changes evict locally and there is nothing to listen to or compare.
 *
 * Written here rather than taken from a library: the cache is a Map, and what matters (the
 * version ordered by the change's own transaction) is the database's, not a cache's.
 */

/** Longest time between two comparisons of the version with the database's. */
export const VERSION_CHECK_MS = 500;
/** Entries kept per cache; the oldest inserted is dropped beyond this. */
const DEFAULT_MAX_ENTRIES = 10_000;
/**
 * An entry is read again after this long even without a change announced: the bound for
 * changes made behind the server's back (an UPDATE by hand, a writer that did not announce).
 */
export const MAX_ENTRY_AGE_MS = 60_000;

/** A change to cached data: which cache, and which group (usually a project id) in it. */
export interface CacheChange {
  cache: string;
  group: string;
}

interface Entry<V> {
  group: string;
  value: V;
  /** When it was loaded (process clock, ms). */
  loadedAt: number;
}

/**
 * Values by key, each in a group that is evicted as a whole. A load that raced an eviction
 * is returned but not kept, so an eviction is never undone by a read that started before it.
 */
export class GroupCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  /** Moves on at every eviction; a load keeps its result only if it did not. */
  #generation = 0;

  constructor(
    private readonly freshness: CacheFreshness,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  /**
   * The value for `key`, loading it on a miss. `load` answers the group with the value;
   * `undefined` (nothing there) is not cached, so unknown keys cannot fill the cache.
   */
  async get(
    key: string,
    load: () => Promise<{ group: string; value: V } | undefined>,
  ): Promise<V | undefined> {
    await this.freshness.ensureFresh();
    const hit = this.#entries.get(key);
    if (hit && Date.now() - hit.loadedAt < MAX_ENTRY_AGE_MS) return hit.value;
    const generation = this.#generation;
    const loadedAt = Date.now();
    const loaded = await load();
    if (!loaded) return undefined;
    if (generation === this.#generation) {
      if (this.#entries.size >= this.maxEntries) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      this.#entries.delete(key);
      this.#entries.set(key, { group: loaded.group, value: loaded.value, loadedAt });
    }
    return loaded.value;
  }

  /** Drops one key (a value found unusable by its reader, e.g. expired). */
  delete(key: string): void {
    this.#generation += 1;
    this.#entries.delete(key);
  }

  evictGroup(group: string): void {
    this.#generation += 1;
    for (const [key, entry] of this.#entries) if (entry.group === group) this.#entries.delete(key);
  }

  clear(): void {
    this.#generation += 1;
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

interface CacheFreshness {
  ensureFresh(): Promise<void>;
}

/** The caches of one store and what keeps them fresh; one per Store object. */
export class CacheInvalidation implements CacheFreshness {
  readonly #caches = new Map<string, GroupCache<unknown>>();
  /** The newest version whose changes this process has applied, in order. */
  #known = 0;
  /** When the last comparison that succeeded started (process clock, ms). */
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | null = null;
  #listening: Promise<unknown> | null = null;
  readonly #distributed: boolean;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.#distributed = store.kind === "postgres";
  }

  /** The cache named `name` of this store (made on first use). */
  cache<V>(name: string, maxEntries?: number): GroupCache<V> {
    let cache = this.#caches.get(name);
    if (!cache) {
      cache = new GroupCache<unknown>(this, maxEntries);
      this.#caches.set(name, cache);
    }
    return cache as GroupCache<V>;
  }

  /** Evicts a change here (its own replica need not wait for the notification). */
  applyLocally(change: CacheChange): void {
    this.#caches.get(change.cache)?.evictGroup(change.group);
  }

  flushAll(): void {
    for (const cache of this.#caches.values()) cache.clear();
  }

  /**
   * Listens for invalidations (from the first use on), and compares the version with the
   * database's when the last comparison is older than VERSION_CHECK_MS. A comparison that
   * fails flushes the caches: with the database unreachable nothing can be vouched for.
   */
  async ensureFresh(): Promise<void> {
    if (!this.#distributed) return;
    this.#listening ??= this.store
      .listen(
        INVALIDATIONS_CHANNEL,
        (payload) => this.#received(payload),
        () => this.flushAll(),
      )
      .catch(() => {
        this.#listening = null;
      });
    if (this.now() - this.#checkedAt <= VERSION_CHECK_MS) return;
    this.#checking ??= this.#compareVersion().finally(() => {
      this.#checking = null;
    });
    await this.#checking;
  }

  async #compareVersion(): Promise<void> {
    const startedAt = this.now();
    let version: number;
    try {
      version = await selectCacheVersion(this.store);
    } catch {
      this.flushAll();
      return;
    }
    if (version > this.#known) {
      this.flushAll();
      this.#known = version;
    }
    this.#checkedAt = startedAt;
  }

  /** A notification: evicts its group; a gap in the versions means one was missed. */
  #received(payload: string): void {
    let message: { c?: unknown; g?: unknown; v?: unknown };
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      this.flushAll();
      return;
    }
    const version = Number(message.v);
    if (typeof message.c === "string" && typeof message.g === "string") {
      this.applyLocally({ cache: message.c, group: message.g });
    }
    if (!Number.isSafeInteger(version) || version <= this.#known) return;
    if (version !== this.#known + 1) this.flushAll();
    this.#known = version;
  }
}

const byStore = new WeakMap<Store, CacheInvalidation>();

/** The cache invalidation of `store` (one per root store, made on first use). */
export function cacheInvalidation(store: Store): CacheInvalidation {
  const root = rootOf(store);
  let invalidation = byStore.get(root);
  if (!invalidation) {
    invalidation = new CacheInvalidation(root);
    byStore.set(root, invalidation);
  }
  return invalidation;
}

/**
 * Runs `fn` in a transaction that also announces `changes` to every replica (at commit),
 * then evicts them from this process's caches. Every write to cached data goes through it.
 */
export async function transactionInvalidating<T>(
  store: Store,
  changes: CacheChange | readonly CacheChange[],
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const list = Array.isArray(changes) ? changes : [changes as CacheChange];
  const result = await store.transaction(async (tx) => {
    const value = await fn(tx);
    // Last, so that the version row's lock is held only for the commit.
    for (const change of list) await announceCacheChange(tx, change.cache, change.group);
    return value;
  });
  const invalidation = cacheInvalidation(store);
  for (const change of list) invalidation.applyLocally(change);
  return result;
}
