/** What every list envelope of the contract has in common. */
export interface CursorPage {
  data: readonly unknown[];
  has_more: boolean;
  next_cursor?: string | null;
  prev_cursor?: string | null;
}

export type PageItem<P extends CursorPage> = P["data"][number];

/** Fetches the page at `cursor` (`undefined`: the query's own first page). */
export type PageFetcher<P extends CursorPage> = (
  cursor: string | undefined,
  signal: AbortSignal | undefined,
) => Promise<P>;

export type Direction = "forward" | "backward";

export interface ListOptions {
  signal?: AbortSignal | undefined;
}

/**
 * The result of a `list()` call: `await` it for the first page, `for await` it for every
 * item across pages, or walk `.pages()`. Nothing is fetched until it is used; each page is
 * fetched once per iteration, only when the loop asks for it (async generators queue
 * concurrent `next()` calls, so two callers never fetch the same page).
 *
 * Forward follows `next_cursor` while `has_more`; `.backward()` follows `prev_cursor`
 * from the same starting page (pages in travel order, items newest-travelled first).
 */
export class ListResult<P extends CursorPage>
  implements PromiseLike<P>, AsyncIterable<PageItem<P>>
{
  #firstPage: Promise<P> | undefined;

  constructor(
    private readonly fetchPage: PageFetcher<P>,
    private readonly options: ListOptions = {},
    private readonly direction: Direction = "forward",
    shared?: () => Promise<P>,
  ) {
    if (shared) this.#first = shared;
  }

  #first = (): Promise<P> => {
    this.#firstPage ??= this.fetchPage(undefined, this.options.signal);
    return this.#firstPage;
  };

  // biome-ignore lint/suspicious/noThenProperty: a list result is deliberately awaitable.
  then<A = P, B = never>(
    onFulfilled?: ((page: P) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#first().then(onFulfilled, onRejected);
  }

  /** The same query walked the other way, through `prev_cursor`, from the same first page. */
  backward(): ListResult<P> {
    return new ListResult(this.fetchPage, this.options, "backward", this.#first);
  }

  /** Every page, starting with the first, fetched lazily. */
  async *pages(): AsyncGenerator<P, void, undefined> {
    const signal = this.options.signal;
    let page = await this.#first();
    let usedCursor: string | undefined;
    for (let index = 0; ; index++) {
      yield page;
      const cursor = this.#continuation(page, index === 0);
      if (!cursor) return;
      // A page that is empty and hands back the cursor it was fetched with makes no progress.
      if (page.data.length === 0 && cursor === usedCursor) return;
      signal?.throwIfAborted();
      usedCursor = cursor;
      page = await this.fetchPage(cursor, signal);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<PageItem<P>, void, undefined> {
    for await (const page of this.pages()) {
      const items = this.direction === "forward" ? page.data : [...page.data].reverse();
      for (const item of items) {
        this.options.signal?.throwIfAborted();
        yield item as PageItem<P>;
      }
    }
  }

  /** Collects items up to `max` (required: an unbounded collect is a memory leak waiting). */
  async toArray({ max }: { max: number }): Promise<PageItem<P>[]> {
    if (!Number.isInteger(max) || max < 0)
      throw new RangeError("toArray: max must be an integer ≥ 0");
    const items: PageItem<P>[] = [];
    if (max === 0) return items;
    for await (const item of this) {
      items.push(item);
      if (items.length >= max) break;
    }
    return items;
  }

  #continuation(page: P, isFirst: boolean): string | null | undefined {
    if (this.direction === "forward") return page.has_more ? page.next_cursor : null;
    // The first page came forward, so its has_more says nothing about what precedes it.
    return isFirst || page.has_more ? page.prev_cursor : null;
  }
}
