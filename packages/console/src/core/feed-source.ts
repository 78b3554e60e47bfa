import type { Chronicle, Event, ListEventsParams } from "@chronicle/sdk";

export const PAGE_SIZE = 100;
/**
 * Rows kept loaded behind and ahead of the rows on screen; pages outside are dropped and
 * fetched again when they come near. Ahead is at least the list's prefetch distance, so a
 * page just loaded is never dropped before it is shown.
 */
const KEEP_BEHIND = PAGE_SIZE / 2;
const KEEP_AHEAD = PAGE_SIZE;

interface Page {
  /** The cursor this page was fetched with (undefined: the query's first page). */
  cursor: string | undefined;
  rows: Event[] | null;
  size: number;
  /** Live-tail rows have no cursor to fetch them again by, so they are never dropped. */
  pinned?: boolean;
}

/** What a list needs from its rows: how many there are, and the one at an index if loaded. */
export interface RowSource {
  readonly length: number;
  at(index: number): Event | undefined;
  /** Told which rows are on screen (a source that pages may fetch or drop rows). */
  showing?(first: number, last: number): void;
}

/**
 * The rows of one filtered feed. Pages are the SDK's list pages, fetched one at a time by
 * the cursor the previous page handed back, as the list scrolls; each page remembers the
 * cursor that fetched it. Only the pages near the rows on screen are held: an append-only
 * log answers a cursor with the same rows every time, so a dropped page is fetched again,
 * identical, when it scrolls back into view. Memory stays flat however far the feed is
 * scrolled. (Not the list's `.pages()` iterator: its list keeps the first page for `await`
 * as long as the iteration lives, which is the whole life of the feed.) Live-tail events
 * are held above the pages.
 */
export class FeedSource implements RowSource {
  done = false;
  error: unknown = null;
  #pages: Page[] = [];
  #live: Event[] = [];
  #nextCursor: string | undefined;
  #loading: Promise<void> | null = null;
  #refetching = new Set<number>();
  #abort = new AbortController();
  #newestSeq = 0;

  constructor(
    private readonly client: Chronicle,
    private readonly params: ListEventsParams,
    private readonly onChange: () => void,
  ) {}

  get loading(): boolean {
    return this.#loading !== null || this.#refetching.size > 0;
  }

  get length(): number {
    return this.#live.length + this.#pages.reduce((sum, page) => sum + page.size, 0);
  }

  at(index: number): Event | undefined {
    if (index < this.#live.length) return this.#live[index];
    let offset = index - this.#live.length;
    for (const page of this.#pages) {
      if (offset < page.size) return page.rows?.[offset];
      offset -= page.size;
    }
    return undefined;
  }

  /** Loads the next page unless one is loading or the feed is exhausted. */
  loadMore(): Promise<void> {
    if (this.done || this.error) return Promise.resolve();
    this.#loading ??= this.#next().finally(() => {
      this.#loading = null;
      this.onChange();
    });
    return this.#loading;
  }

  #fetch(cursor: string | undefined) {
    const params = { ...this.params, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) };
    return this.client.events.list(params, { signal: this.#abort.signal });
  }

  async #next(): Promise<void> {
    try {
      const cursor = this.#nextCursor;
      const page = await this.#fetch(cursor);
      this.#pages.push({ cursor, rows: page.data, size: page.data.length });
      for (const event of page.data) this.#newestSeq = Math.max(this.#newestSeq, event.seq);
      const next = page.has_more ? (page.next_cursor ?? undefined) : undefined;
      // A page that is empty and hands back the cursor it was fetched with makes no progress.
      if (!next || (page.data.length === 0 && next === cursor)) this.done = true;
      this.#nextCursor = next;
    } catch (error) {
      if (!this.#abort.signal.aborted) this.error = error;
    }
  }

  /**
   * The rows `first`…`last` are on screen: fetch again any dropped page near them and drop
   * the pages far from them.
   */
  showing(first: number, last: number): void {
    let start = this.#live.length;
    for (const [index, page] of this.#pages.entries()) {
      const end = start + page.size;
      const near = end > first - KEEP_BEHIND && start <= last + KEEP_AHEAD;
      if (near && page.rows === null) this.#refetch(index);
      else if (!near && !page.pinned) page.rows = null;
      start = end;
    }
  }

  #refetch(index: number): void {
    const page = this.#pages[index];
    if (!page || this.#refetching.has(index)) return;
    this.#refetching.add(index);
    this.#fetch(page.cursor)
      .then((result) => {
        page.rows = result.data.slice(0, page.size);
      })
      .catch((error: unknown) => {
        if (!this.#abort.signal.aborted) this.error = error;
      })
      .finally(() => {
        this.#refetching.delete(index);
        this.onChange();
      });
  }

  /** Every loaded row, for tests and small feeds. */
  loadedRows(): Event[] {
    return [...this.#live, ...this.#pages.flatMap((page) => page.rows ?? [])];
  }

  /**
   * Follows the live stream from the newest loaded event. Newest first, new events go on
   * top; oldest first, they arrive as the next rows once the whole history is loaded.
   */
  async tail(signal: AbortSignal, onEvent: (event: Event) => void): Promise<void> {
    const { order: _order, ...filters } = this.params;
    const both = AbortSignal.any([signal, this.#abort.signal]);
    const from = this.#newestSeq;
    try {
      for await (const event of this.client.events.tail(filters, {
        signal: both,
        lastEventId: from > 0 ? from : undefined,
      })) {
        if (event.seq <= this.#newestSeq) continue;
        if (this.params.order === "asc") {
          if (!this.done) continue;
          this.#pages.push({ cursor: undefined, rows: [event], size: 1, pinned: true });
        } else this.#live.unshift(event);
        this.#newestSeq = event.seq;
        onEvent(event);
      }
    } catch (error) {
      if (!both.aborted) throw error;
    }
  }

  close(): void {
    this.#abort.abort();
  }
}
