import type { Chronicle, Event, EventList, ListEventsParams } from "@chronicle/sdk";

const PAGE_SIZE = 100;

/**
 * The rows of one filtered feed, loaded page by page through the SDK's `.pages()`
 * iterator as the list scrolls, plus the live tail's new events. One page request is in
 * flight at a time; `close()` aborts everything.
 */
export class FeedSource {
  readonly rows: Event[] = [];
  done = false;
  error: unknown = null;
  #pages: AsyncGenerator<EventList, void, undefined>;
  #loading: Promise<void> | null = null;
  #abort = new AbortController();
  #seen = new Set<string>();

  constructor(
    private readonly client: Chronicle,
    private readonly params: ListEventsParams,
    private readonly onChange: () => void,
  ) {
    this.#pages = client.events
      .list({ ...params, limit: PAGE_SIZE }, { signal: this.#abort.signal })
      .pages();
  }

  get loading(): boolean {
    return this.#loading !== null;
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

  async #next(): Promise<void> {
    try {
      const step = await this.#pages.next();
      if (step.done) {
        this.done = true;
        return;
      }
      for (const event of step.value.data) this.#add(event, "end");
      if (!step.value.has_more) this.done = true;
    } catch (error) {
      if (!this.#abort.signal.aborted) this.error = error;
    }
  }

  #add(event: Event, where: "start" | "end"): boolean {
    if (this.#seen.has(event.id)) return false;
    this.#seen.add(event.id);
    if (where === "start") this.rows.unshift(event);
    else this.rows.push(event);
    return true;
  }

  /**
   * Follows the live stream from the newest loaded event: new events go on top (newest
   * first) or, oldest first, at the bottom once the whole history is loaded.
   */
  async tail(signal: AbortSignal, onEvent: (event: Event) => void): Promise<void> {
    const newest = this.rows.reduce((max, event) => Math.max(max, event.seq), 0);
    const { order: _order, ...filters } = this.params;
    const both = AbortSignal.any([signal, this.#abort.signal]);
    try {
      for await (const event of this.client.events.tail(filters, {
        signal: both,
        lastEventId: newest > 0 ? newest : undefined,
      })) {
        const top = this.params.order !== "asc";
        if (!top && !this.done) continue;
        if (this.#add(event, top ? "start" : "end")) onEvent(event);
      }
    } catch (error) {
      if (!both.aborted) throw error;
    }
  }

  close(): void {
    this.#abort.abort();
  }
}
