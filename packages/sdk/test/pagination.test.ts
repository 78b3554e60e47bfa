import { describe, expect, it } from "vitest";
import { ListResult, type PageFetcher } from "../src/core/pagination.js";

interface Page {
  data: number[];
  has_more: boolean;
  next_cursor: string | null;
  prev_cursor: string | null;
}

/**
 * A fake keyset endpoint over the ints 1..n, `size` per page, ascending. Cursors are
 * "after:N" / "before:N"; `emptyAt` lists cursors that answer an empty page that still
 * points onward (as a server may when a filter matches nothing in a scan window).
 */
function endpoint(n: number, size: number, options: { emptyAt?: string[]; delayMs?: number } = {}) {
  const fetched: (string | undefined)[] = [];
  const fetchPage: PageFetcher<Page> = async (cursor, signal) => {
    fetched.push(cursor);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    signal?.throwIfAborted();
    if (cursor && options.emptyAt?.includes(cursor)) {
      const seq = Number(cursor.split(":")[1]);
      return { data: [], has_more: true, next_cursor: `after:${seq + size}`, prev_cursor: null };
    }
    const [kind, at] = cursor ? cursor.split(":") : ["after", "0"];
    const position = Number(at);
    if (kind === "before") {
      const first = Math.max(1, position - size);
      const data = range(first, position - 1);
      return {
        data,
        has_more: first > 1,
        next_cursor: `after:${position - 1}`,
        prev_cursor: `before:${first}`,
      };
    }
    const data = range(position + 1, Math.min(n, position + size));
    const last = data.at(-1) ?? position;
    return {
      data,
      has_more: last < n,
      next_cursor: `after:${last}`, // always set, as with order=asc
      prev_cursor: cursor ? `before:${position + 1}` : null,
    };
  };
  return { fetchPage, fetched };
}

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);

describe("ListResult", () => {
  it("when awaited, then it fetches only the first page", async () => {
    const api = endpoint(10, 3);
    const list = new ListResult(api.fetchPage);
    expect(api.fetched).toEqual([]);
    const page = await list;
    expect(page.data).toEqual([1, 2, 3]);
    expect(api.fetched).toEqual([undefined]);
  });

  it("when iterated, then it yields every item across pages, reusing the awaited first page", async () => {
    const api = endpoint(10, 3);
    const list = new ListResult(api.fetchPage);
    await list;
    const items: number[] = [];
    for await (const item of list) items.push(item);
    expect(items).toEqual(range(1, 10));
    expect(api.fetched).toEqual([undefined, "after:3", "after:6", "after:9"]);
  });

  it("when the loop breaks, then no further page is fetched", async () => {
    const api = endpoint(100, 5);
    for await (const item of new ListResult(api.fetchPage)) if (item === 7) break;
    expect(api.fetched).toEqual([undefined, "after:5"]);
  });

  it("when toArray has a cap, then it stops fetching at the cap", async () => {
    const api = endpoint(100, 5);
    const items = await new ListResult(api.fetchPage).toArray({ max: 12 });
    expect(items).toEqual(range(1, 12));
    expect(api.fetched).toHaveLength(3);
    await expect(new ListResult(api.fetchPage).toArray({ max: -1 })).rejects.toThrow(RangeError);
  });

  it("when a page is empty but a cursor remains, then it keeps going", async () => {
    const api = endpoint(9, 3, { emptyAt: ["after:3"] });
    const items = await new ListResult(api.fetchPage).toArray({ max: 100 });
    // after:3 answers empty and points to after:6, so 4..6 are skipped by the fake server.
    expect(items).toEqual([1, 2, 3, 7, 8, 9]);
    expect(api.fetched).toEqual([undefined, "after:3", "after:6"]);
  });

  it("when an empty page hands back its own cursor, then iteration stops instead of spinning", async () => {
    let calls = 0;
    const fetchPage: PageFetcher<Page> = async (cursor) => {
      calls++;
      return cursor
        ? { data: [], has_more: true, next_cursor: cursor, prev_cursor: null }
        : { data: [1], has_more: true, next_cursor: "c", prev_cursor: null };
    };
    expect(await new ListResult(fetchPage).toArray({ max: 100 })).toEqual([1]);
    expect(calls).toBe(2);
  });

  it("when next() is called concurrently, then each page is fetched once and items stay in order", async () => {
    const api = endpoint(6, 2, { delayMs: 20 });
    const iterator = new ListResult(api.fetchPage)[Symbol.asyncIterator]();
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => iterator.next()));
    expect(results.map((result) => result.value)).toEqual([1, 2, 3, 4, 5, 6, undefined]);
    expect(results.at(-1)?.done).toBe(true);
    expect(api.fetched).toEqual([undefined, "after:2", "after:4"]);

    const pages = new ListResult(api.fetchPage).pages();
    const [first, second] = await Promise.all([pages.next(), pages.next()]);
    expect(first.value?.data).toEqual([1, 2]);
    expect(second.value?.data).toEqual([3, 4]);
  });

  it("when the signal aborts, then iteration rejects with its reason and stops fetching", async () => {
    const api = endpoint(100, 5);
    const controller = new AbortController();
    const seen: number[] = [];
    const run = async () => {
      for await (const item of new ListResult(api.fetchPage, { signal: controller.signal })) {
        seen.push(item);
        if (item === 6) controller.abort(new Error("enough"));
      }
    };
    await expect(run()).rejects.toThrow("enough");
    expect(seen).toEqual(range(1, 6));
    expect(api.fetched).toEqual([undefined, "after:5"]);
  });

  it("when walked backward from a cursor, then it follows prev_cursor to the start", async () => {
    const api = endpoint(10, 3);
    const list = new ListResult((cursor, signal) => api.fetchPage(cursor ?? "after:6", signal));
    const pages: number[][] = [];
    for await (const page of list.backward().pages()) pages.push([...page.data]);
    expect(pages).toEqual([
      [7, 8, 9],
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(await list.backward().toArray({ max: 100 })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("when walked forward without has_more, then an always-set next_cursor does not loop", async () => {
    const api = endpoint(4, 10);
    expect(await new ListResult(api.fetchPage).toArray({ max: 100 })).toEqual([1, 2, 3, 4]);
    expect(api.fetched).toEqual([undefined]);
  });
});
