import type { Event } from "@chronicle/types";
import { invalidParameter, notFound, ServiceError } from "../../domain/errors.js";
import type { EventFilters, ListOptions, ListScope, Page } from "../../domain/types.js";
import { readSearchBuckets, readWithinRows, type WithinFilter } from "../../store/event-search.js";
import { type EventSelection, isTimeWindowOnly } from "../../store/event-selection.js";
import { readWindowPage } from "../../store/event-window.js";
import {
  countSelected,
  countSelectedUpTo,
  findEventRow,
  newestSeq,
  oldestSeq,
  type PageRead,
  projectLastSeq,
  readPageRows,
  selectedRowsInRange,
} from "../../store/events.js";
import type { Row, Store } from "../../store/types.js";
import { type CursorPayload, decodeCursor, encodeCursor } from "./cursors.js";
import { filterDigest, selectionOf } from "./event-filters.js";
import { eventToWire } from "./event-row.js";
import { disjunctionSides } from "./query-language/index.js";
import { projectRead } from "./read-gate.js";
import { commonSearchWindow, type SearchPlan, searchPlan } from "./search-pieces.js";

const EVENTS_SCOPE: ListScope = { kind: "events" };
export const EXPORT_BATCH = 1000;

export async function getEvent(store: Store, projectId: string, eventId: string): Promise<Event> {
  const row = await findEventRow(store, projectId, eventId);
  if (!row) throw notFound("Event");
  return eventToWire(row);
}

/** The seq of the project's newest event (0 without events): where a live tail starts. */
export function newestEventSeq(store: Store, projectId: string): Promise<number> {
  return newestSeq(store, projectId);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw invalidParameter("limit must be an integer from 1 to 200", {
      pointer: "/query/limit",
      detail: "must be an integer from 1 to 200",
      code: "maximum",
    });
  }
  return limit;
}

/** Below this many matches, a filter is read through its own index and then sorted. */
const NARROW = 5000;
/** How many seqs next to the cursor a read by turns walks first (readByTurns). */
const FIRST_WALK = 5000;

/** How many of the other filters' nearest events a narrowed search or changed field tests first. */
const WITHIN_WINDOW = 2000;

/** A search or changed field with something else that narrows it (a filter, a feed, a `q=` condition). */
function isNarrowed(selection: EventSelection, tested: WithinFilter): boolean {
  const { [tested]: value, ...others } = selection.filters;
  if (value === undefined || value === "") return false;
  const narrowed = Object.entries(others).some(
    ([key, other]) => key !== "q" && key !== "include_on_behalf" && other !== undefined,
  );
  return narrowed || selection.scope.kind !== "events" || selection.query !== undefined;
}

/**
 * Whether a time window selects few events, so the page should come from the occurred_at
 * index rather than from a walk down seq: occurred_at is the client's clock and does not
 * follow seq (an old window may lie behind millions of newer rows), which the planner
 * cannot know. A capped count on that index (index-only: it carries seq) tells the cases
 * apart. changed_field gets no probe (it cost a 5000-row bitmap heap scan, B9): listEvents
 * tries a bounded walk first instead.
 */
async function isNarrowSelection(store: Store, selection: EventSelection): Promise<boolean> {
  const { start_time, end_time } = selection.filters;
  if (start_time === undefined && end_time === undefined) return false;
  const window: EventSelection = {
    projectId: selection.projectId,
    filters: { start_time, end_time },
    scope: { kind: "events" },
  };
  return (await countSelectedUpTo(store, window, NARROW)) < NARROW;
}

/** Seq buckets (store/event-search.ts) a rare search looks through before the whole index. */
const SEARCH_BUCKETS = 4;

/**
 * The page's rows (one more than the page, to tell whether there is more), read the way
 * the selection is cheapest to read (store/events.ts, PagePlan).
 */
async function pageRows(
  store: Store,
  selection: EventSelection,
  read: PageRead,
  search?: SearchPlan,
): Promise<Row[]> {
  if (isTimeWindowOnly(selection)) {
    // The probe and the pick in one statement (B32); a wide window is read by turns.
    const window = await readWindowPage(store, selection, read, NARROW);
    if (window.matches < NARROW) return window.rows;
    return readByTurns(store, selection, read, (past, cap) =>
      readWindowPage(store, selection, past, cap),
    );
  }
  if (await isNarrowSelection(store, selection)) {
    return readPageRows(store, selection, read, { kind: "pick" });
  }
  const sides = disjunctionSides(selection);
  if (sides !== undefined) return readUnion(store, selection, sides, read);
  if (isNarrowed(selection, "changed_field")) {
    // The other filters' nearest rows first: a workspace's or an actor's, not the project's.
    const within = await readWithinRows(store, selection, "changed_field", read, WITHIN_WINDOW);
    if (within.exhausted || within.rows.length >= read.limit) return within.rows;
  }
  if (selection.filters.changed_field !== undefined) {
    // The planner cannot tell a rare changed_field from a common one, nor whether its events
    // lie near the cursor: a bounded walk first (enough for a common field near), then the
    // GIN index for what its count says is few.
    return readByTurns(store, selection, read, countThenPick(store, selection, selection));
  }
  if (isNarrowed(selection, "search")) {
    // A window with an end may lie behind newer events; one without holds the newest.
    const window = { ...selection, filters: { ...selection.filters, search: undefined } };
    if (isTimeWindowOnly(window) && window.filters.end_time !== undefined) {
      return readSearchInWindow(store, selection, window, read);
    }
    // The other filters' own index, nearest rows first, the text tested on those: bounded by
    // the window, and enough for a common word or a narrow filter; a rare word among many
    // rows goes on to the plan below (the trigram index, or the walk).
    const within = await readWithinRows(store, selection, "search", read, WITHIN_WINDOW);
    if (within.exhausted || within.rows.length >= read.limit) return within.rows;
  }
  if (search?.rare) return readRareSearch(store, selection, read);
  if (search) return readCommonSearch(store, selection, read);
  return readPageRows(store, selection, read, { kind: "walk" });
}

/**
 * A `q=` OR's page. No index hands an OR's matches over in seq order, so the planner walks
 * down seq past every event that matches neither side: `changed:x OR actor:y` that no event
 * near the cursor matched walked the whole project (3.8 s at 5 M events, bench/FINDINGS.md
 * B56). The nearest seqs first, as a walk (an OR common near the cursor); then each side's
 * page past them, read as that side alone is read (its own index), merged in seq order, an
 * event both sides hold once.
 */
async function readUnion(
  store: Store,
  selection: EventSelection,
  sides: EventSelection[],
  read: PageRead,
): Promise<Row[]> {
  const from = await readStart(store, selection.projectId, read);
  const nearest = { ...read, afterSeq: from };
  const near = await readPageRows(store, selection, nearest, {
    kind: "walk-nearest",
    window: FIRST_WALK,
  });
  if (near.length >= read.limit) return near;
  const past = {
    ...read,
    limit: read.limit - near.length,
    afterSeq: pastWalk(read.ascending, from, FIRST_WALK),
  };
  const bySeq = new Map<number, Row>();
  for (const side of sides) {
    for (const row of await pageRows(store, side, past)) bySeq.set(Number(row.seq), row);
  }
  const seqs = [...bySeq.keys()].sort((a, b) => (read.ascending ? a - b : b - a));
  return [...near, ...seqs.slice(0, past.limit).map((seq) => bySeq.get(seq) as Row)];
}

/**
 * A rare search: the buckets next to the cursor first, whose index lookups cost the same
 * however large the project; a page they do not fill goes on past them through the whole index.
 */
async function readRareSearch(
  store: Store,
  selection: EventSelection,
  read: PageRead,
): Promise<Row[]> {
  const near = await readSearchBuckets(store, selection, read, SEARCH_BUCKETS);
  if (near.rows.length >= read.limit || near.after === undefined) return near.rows;
  const rest = { ...read, limit: read.limit - near.rows.length, afterSeq: near.after };
  return [...near.rows, ...(await readPageRows(store, selection, rest, { kind: "walk" }))];
}

/**
 * The seq a read goes on from: its cursor's, or just past the project's end it starts at.
 * The project's ends as they are, not seq 1: retention removes the oldest events, and a
 * window over removed seqs would send a common text to the buckets (B54).
 */
async function readStart(store: Store, projectId: string, read: PageRead): Promise<number> {
  if (read.afterSeq !== undefined) return read.afterSeq;
  return read.ascending
    ? Math.max((await oldestSeq(store, projectId)) - 1, 0)
    : ((await projectLastSeq(store, projectId)) ?? 0) + 1;
}

/**
 * A page of a selection too wide to pick at once, read by turns of the two reads that can
 * find it: a walk down seq through the next `walk` seqs, cheap when the matches lie near the
 * cursor; then, when the page is not complete there, `readPast`: a count of the matches past
 * the walk (capped at four walks) through the filter's own index that, when it finds fewer,
 * picks the rest of the page there. Each turn quadruples the walk, so a page costs about the
 * lesser of the rows between the cursor and the page and the matches past the cursor, where
 * a plain walk read every row between (an old time window behind millions of newer events:
 * `end_time` a day into a 5 M project, 2.8 s) and a plain pick every match (a changed field
 * common in older events only, 0.7 s; bench/FINDINGS.md B55).
 */
async function readByTurns(
  store: Store,
  selection: EventSelection,
  read: PageRead,
  readPast: (past: PageRead, cap: number) => Promise<{ matches: number; rows: Row[] }>,
): Promise<Row[]> {
  const rows: Row[] = [];
  let from = await readStart(store, selection.projectId, read);
  for (let walk = FIRST_WALK; ; walk *= 4) {
    const near = { ...read, limit: read.limit - rows.length, afterSeq: from };
    rows.push(
      ...(await readPageRows(store, selection, near, { kind: "walk-nearest", window: walk })),
    );
    if (rows.length >= read.limit) return rows;
    from = pastWalk(read.ascending, from, walk);
    const past = await readPast(
      { ...read, limit: read.limit - rows.length, afterSeq: from },
      walk * 4,
    );
    if (past.matches < walk * 4) return [...rows, ...past.rows];
  }
}

/**
 * A search narrowed by a wide time window alone (a narrow one is picked) that ends, so its
 * events may lie behind millions of newer ones: the window's events nearest the cursor,
 * which a narrowed search tests first, were a walk past all of those (out of the read
 * budget at 5 M events, bench/FINDINGS.md B55). By turns instead: the text tested on the
 * rows walked; past the walk, the window's events counted on the occurred_at index and, on
 * the second turn that finds them too many, the text's matches on the trigram index (a rare
 * text in a wide window); whichever count is under the cap bounds a pick of the rest. A text
 * common past the walk is found by walking on.
 */
async function readSearchInWindow(
  store: Store,
  selection: EventSelection,
  window: EventSelection,
  read: PageRead,
): Promise<Row[]> {
  const walked = { ...selection, searchPieces: [] };
  const inWindow = countThenPick(store, window, walked);
  let turn = 0;
  return readByTurns(store, walked, read, async (past, cap) => {
    turn += 1;
    const windowed = await inWindow(past, cap);
    // Not on the first turn: a common text the newest events lack (an import) is found by
    // the next walk for less than its trigram lists cost (180 ms against 11 ms at 5 M).
    if (windowed.matches < cap || turn !== 2) return windowed;
    return readWindowPage(store, selection, past, cap);
  });
}

/**
 * A read past the walk for readByTurns: `counted`'s matches there, up to the cap, and, when
 * fewer, the rest of the page of `picked` (which `counted` bounds), picked from them.
 */
function countThenPick(store: Store, counted: EventSelection, picked: EventSelection) {
  return async (past: PageRead, cap: number): Promise<{ matches: number; rows: Row[] }> => {
    const matches = await countSelectedUpTo(store, counted, cap, past);
    const rows = matches < cap ? await readPageRows(store, picked, past, { kind: "pick" }) : [];
    return { matches, rows };
  };
}

/**
 * Where a read goes on after a walk-nearest of `walk` seqs from `from`: that walk reads
 * (from − walk, from) newest first and (from, from + walk] oldest first.
 */
function pastWalk(ascending: boolean, from: number, walk: number): number {
  return ascending ? from + walk : from - walk + 1;
}

/**
 * A search its sample found common: walked down seq through the window where its page lies
 * if the sample was right, then read as a rare search past that window (search-pieces.ts,
 * commonSearchWindow).
 */
async function readCommonSearch(
  store: Store,
  selection: EventSelection,
  read: PageRead,
): Promise<Row[]> {
  const window = commonSearchWindow(read.limit);
  const from = await readStart(store, selection.projectId, read);
  const nearest = { kind: "walk-nearest", window } as const;
  // Walked through the primary key: the trigram index would find the text's every match in
  // the project before the window's bound could apply.
  const walked = { ...selection, searchPieces: [] };
  const rows = await readPageRows(store, walked, { ...read, afterSeq: from }, nearest);
  if (rows.length >= read.limit) return rows;
  const past = pastWalk(read.ascending, from, window);
  // Nothing kept past the window (the page is the last one): the buckets would look up the
  // text's posting lists for nothing.
  const beyond = read.ascending
    ? past < ((await projectLastSeq(store, selection.projectId)) ?? 0)
    : past > (await oldestSeq(store, selection.projectId));
  if (!beyond) return rows;
  const rest = { ...read, limit: read.limit - rows.length, afterSeq: past };
  return [...rows, ...(await readRareSearch(store, selection, rest))];
}

type CursorBinding = Omit<CursorPayload, "v" | "k" | "s">;

/**
 * The cursors around a page (docs/design.md, "Cursors and pages"): `next` continues past
 * its last event, `prev` goes back before its first; an ascending page always has a
 * `next`, so a reader can follow the log's end.
 */
async function pageCursors(
  store: Store,
  bound: CursorBinding,
  order: "asc" | "desc",
  cursor: CursorPayload | null,
  data: Event[],
  hasMore: boolean,
): Promise<{ next: string | null; prev: string | null }> {
  const make = (k: CursorPayload["k"], s: number) =>
    encodeCursor(store, { v: 1, ...bound, k, s: Math.max(0, s) });
  const first = data[0];
  const last = data[data.length - 1];
  // One step towards the start of the page order from seq s (to include s itself).
  const towardsStart = (s: number) => (order === "asc" ? s - 1 : s + 1);
  let next: string | null = null;
  let prev: string | null = null;
  if (cursor && cursor.k === "before") {
    next = await make("after", last ? last.seq : towardsStart(cursor.s));
    prev = hasMore && first ? await make("before", first.seq) : null;
  } else {
    if (hasMore && last) next = await make("after", last.seq);
    else if (order === "asc") next = await make("after", last?.seq ?? cursor?.s ?? 0);
    if (cursor) {
      prev = first
        ? await make("before", first.seq)
        : await make("before", order === "asc" ? cursor.s + 1 : cursor.s - 1);
    }
  }
  return { next, prev };
}

/**
 * A keyset page over seq (docs/design.md, "Cursors and pages"). A `before` cursor is
 * fetched in reverse and flipped so `data` is always in the requested order.
 */
export async function listEvents(
  store: Store,
  projectId: string,
  filters: EventFilters,
  options: ListOptions = {},
): Promise<Page<Event>> {
  // What can be refused without reading events is, before the read waits for its turn.
  const order = options.order ?? "desc";
  const limit = checkLimit(options.limit ?? 50);
  const scope = options.scope ?? EVENTS_SCOPE;
  const bound = { p: projectId, e: scope.kind, f: filterDigest(filters, scope, order) };
  const cursor = options.cursor ? await decodeCursor(store, options.cursor, bound) : null;
  return projectRead(
    store,
    projectId,
    (reads) =>
      listPage(reads, projectId, filters, {
        order,
        limit,
        scope,
        bound,
        cursor,
        includeTotal: options.includeTotal === true,
      }),
    { signal: options.signal },
  );
}

interface PageRequest {
  order: "asc" | "desc";
  limit: number;
  scope: ListScope;
  bound: CursorBinding;
  cursor: CursorPayload | null;
  includeTotal: boolean;
}

async function listPage(
  store: Store,
  projectId: string,
  filters: EventFilters,
  options: PageRequest,
): Promise<Page<Event>> {
  const { order, limit, scope, bound, cursor } = options;
  const backward = cursor?.k === "before";
  const ascending = (order === "asc") !== backward;
  const selection = selectionOf(projectId, filters, scope);
  let search: SearchPlan | undefined;
  if (selection.filters.search && !isNarrowed(selection, "search")) {
    search = await searchPlan(store, projectId, selection.filters.search);
    if (search.pieces !== undefined) selection.searchPieces = search.pieces;
  }

  const read = { ascending, limit: limit + 1, afterSeq: cursor?.s };
  const rows = await pageRows(store, selection, read, search);
  const hasMore = rows.length > limit;
  const pageRowsInOrder = rows.slice(0, limit);
  if (backward) pageRowsInOrder.reverse();
  const data = pageRowsInOrder.map(eventToWire);

  const { next, prev } = await pageCursors(store, bound, order, cursor, data, hasMore);
  const page: Page<Event> = { data, has_more: hasMore, next_cursor: next, prev_cursor: prev };
  if (options.includeTotal) {
    // A count over the read budget leaves `total` out rather than failing the page.
    try {
      page.total = await countSelected(store, selection);
    } catch (error) {
      if (!(error instanceof ServiceError && error.code === "query_too_expensive")) throw error;
    }
  }
  return page;
}

/** The most seqs one tail read walks: a filter that rarely matches costs bounded statements. */
export const TAIL_READ_SPAN = 20_000;

/** One read of a live tail: the events found, and how far the read looked. */
export interface TailRead {
  events: Event[];
  /** Every matching event up to this seq has been returned: the next read starts after it. */
  readThrough: number;
  /** True when the read stopped short of the project's newest event: read again at once. */
  more: boolean;
}

/**
 * The live tail's read: events after a seq in seq order, resumed from Last-Event-ID. The
 * filters are checked and compiled here, once, so that a bad filter is a 400 before the
 * stream's headers are sent rather than an error inside a stream already answered 200.
 * Each read is bounded by the project's last seq when it starts (a snapshot of an
 * append-only log, as the export's) and by TAIL_READ_SPAN, and says how far it looked, so
 * a tail whose filter matches nothing moves on instead of reading everything since its last
 * match on every wake-up; with nothing new it costs one primary-key lookup.
 */
export function tailReader(
  store: Store,
  projectId: string,
  filters: EventFilters,
  options: { scope?: ListScope; signal?: AbortSignal } = {},
): (afterSeq: number, limit: number) => Promise<TailRead> {
  const { scope = EVENTS_SCOPE, signal } = options;
  const selection = selectionOf(projectId, filters, scope);
  return async (afterSeq, limit) => {
    const head = (await projectLastSeq(store, projectId)) ?? afterSeq;
    if (head <= afterSeq) return { events: [], readThrough: afterSeq, more: false };
    const upToSeq = Math.min(head, afterSeq + TAIL_READ_SPAN);
    const count = Math.max(1, Math.floor(limit));
    const range = { afterSeq, upToSeq, limit: count };
    const rows = await projectRead(
      store,
      projectId,
      (reads) => selectedRowsInRange(reads, selection, range),
      { patient: true, signal },
    );
    const full = rows.length === count;
    const readThrough = full ? Number(rows[rows.length - 1]?.seq) : upToSeq;
    return { events: rows.map(eventToWire), readThrough, more: readThrough < head };
  };
}

/** The most seqs one export read walks: a filter that rarely matches costs bounded statements. */
export const EXPORT_READ_SPAN = 100_000;

/**
 * Every matching event in seq order, read in keyset batches so memory stays flat, up to the
 * project's last_seq when iteration starts (a snapshot of an append-only log). No database
 * cursor stays open between batches, so a consumer that stops (return()) releases nothing.
 * Each batch is one read in the project's turn, and walks at most EXPORT_READ_SPAN seqs, so
 * a rare match among millions of events is many short statements, never one over the read
 * budget.
 */
export interface ExportOptions {
  scope?: ListScope;
  /** The most seqs one read walks (EXPORT_READ_SPAN). */
  span?: number;
  /** The export's client went away: the read waiting or running stops. */
  signal?: AbortSignal | undefined;
}

export async function* exportEvents(
  store: Store,
  projectId: string,
  filters: EventFilters,
  options: ExportOptions = {},
): AsyncGenerator<Event, void, undefined> {
  const { scope = EVENTS_SCOPE, span = EXPORT_READ_SPAN, signal } = options;
  const upTo = await projectLastSeq(store, projectId);
  if (upTo === undefined) throw notFound("Project");
  const selection = selectionOf(projectId, filters, scope);
  let after = 0;
  while (after < upTo) {
    const upToSeq = Math.min(upTo, after + span);
    const range = { afterSeq: after, upToSeq, limit: EXPORT_BATCH };
    // The first read may be refused (429, before the export answers); later ones wait as a
    // tail's do, since a refusal could only cut the export short.
    const rows: (Row | undefined)[] = await projectRead(
      store,
      projectId,
      (reads) => selectedRowsInRange(reads, selection, range),
      { patient: after > 0, signal },
    );
    const last = rows[rows.length - 1];
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index] as Row;
      // Let go of each row once it is converted. Held until the end of its batch, a batch's
      // rows outlived the young generation's collections and were promoted, so the old space
      // filled with dead rows between full collections: a 200 k export grew the server's RSS
      // by 115 MB instead of 5 MB, and ran ~1.5x slower (bench/FINDINGS.md B22).
      rows[index] = undefined;
      yield eventToWire(row);
    }
    after = rows.length === EXPORT_BATCH && last ? Number(last.seq) : upToSeq;
  }
}
