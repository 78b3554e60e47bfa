import {
  issueEvents,
  newProject,
  newProjectWithEvents,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import type { Event } from "@chronicle/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventFilters, ListOptions, ListScope } from "../../src/domain/index.js";
import { ingestEvents, listEvents } from "../../src/services/index.js";
import { readWindowPage } from "../../src/store/event-window.js";

const COUNT = 90;
const BASE = Date.parse("2026-01-10T00:00:00.000Z");
const MINUTE = 60_000;

/** What the test wrote about each event, by seq (seq = n + 1). */
interface Written {
  seq: number;
  occurredAt: number;
  actorId: string;
  workspaceId: string;
  action: string;
}

// occurred_at does not follow seq: the n-th event is (37 n mod 90) minutes after BASE, so a
// window's events are scattered along seq, as a client's clock can scatter them.
const WRITTEN: Written[] = Array.from({ length: COUNT }, (_, n) => ({
  seq: n + 1,
  occurredAt: BASE + ((n * 37) % COUNT) * MINUTE,
  actorId: `user_${n % 3}`,
  workspaceId: n % 2 === 0 ? "ws_even" : "ws_odd",
  action: n % 5 === 0 ? "issue.closed" : "issue.created",
}));

const at = (minutes: number) => new Date(BASE + minutes * MINUTE).toISOString();

/** The seqs the filters select, by the test's own account of what was written, newest first. */
function expected(filters: EventFilters, scope?: ListScope): number[] {
  const start = filters.start_time ? Date.parse(filters.start_time) : -Infinity;
  const end = filters.end_time ? Date.parse(filters.end_time) : Infinity;
  return WRITTEN.filter(
    (event) =>
      event.occurredAt >= start &&
      event.occurredAt < end &&
      (filters.actor_id === undefined || event.actorId === filters.actor_id) &&
      (filters.action === undefined || filters.action.includes(event.action)) &&
      (scope?.kind !== "workspace" || event.workspaceId === scope.id),
  )
    .map((event) => event.seq)
    .sort((a, b) => b - a);
}

const seqs = (events: Event[]) => events.map((event) => event.seq);

describe.each(STORE_KINDS)("time window pages on %s", (kind) => {
  let t: TestStore;
  let projectId: string;

  beforeAll(async () => {
    t = await openTestStore(kind);
    const events = issueEvents(COUNT, (n) => {
      const written = WRITTEN[n] as Written;
      return {
        action: written.action,
        workspace_id: written.workspaceId,
        occurred_at: new Date(written.occurredAt).toISOString(),
      };
    });
    projectId = (await newProjectWithEvents(t.store, events)).projectId;
    // Another tenant's events in the same hours: never part of this project's pages.
    const other = (await newProject(t.store, "Other")).projectId;
    await ingestEvents(
      t.store,
      other,
      issueEvents(20, (n) => ({ occurred_at: at(n * 4) })),
    );
    // The project's events received over three months: the window's events live in three
    // partitions (rows moved the way only the owner can, as a backfill would have them).
    await t.store.query(
      "SELECT chronicle_create_event_partitions('month', '2026-02-01T00:00:00Z', '2026-04-01T00:00:00Z')",
    );
    await t.store.transaction(async (tx) => {
      await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
      await tx.query(
        "UPDATE events SET created_at = '2026-02-15T00:00:00Z' WHERE project_id = $1 AND seq <= 30",
        [projectId],
      );
      await tx.query(
        "UPDATE events SET created_at = '2026-03-15T00:00:00Z' WHERE project_id = $1 AND seq > 30 AND seq <= 60",
        [projectId],
      );
    });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** Every page from the first, following next_cursor, then back from the last by prev_cursor. */
  async function pagesBothWays(filters: EventFilters, options: ListOptions) {
    const forward = [await listEvents(t.store, projectId, filters, options)];
    for (let last = forward[0]; last?.has_more && last.next_cursor; last = forward.at(-1)) {
      forward.push(
        await listEvents(t.store, projectId, filters, { ...options, cursor: last.next_cursor }),
      );
    }
    const backward = [forward.at(-1)];
    for (let page = forward.at(-1); page?.prev_cursor; ) {
      page = await listEvents(t.store, projectId, filters, {
        ...options,
        cursor: page.prev_cursor,
      });
      if (page.data.length === 0) break;
      backward.unshift(page);
    }
    return {
      forward: forward.map((page) => seqs(page.data)),
      backward: backward.map((page) => seqs(page?.data ?? [])),
    };
  }

  /** `seqs` cut into pages of `size`. */
  const paged = (all: number[], size: number) =>
    Array.from({ length: Math.ceil(all.length / size) }, (_, page) =>
      all.slice(page * size, (page + 1) * size),
    );

  it("when the window's events are spread over several partitions, then they are there", async () => {
    const homes = await t.store.query<{ home: string }>(
      "SELECT DISTINCT tableoid::regclass::text AS home FROM events WHERE project_id = $1",
      [projectId],
    );
    expect(homes.length).toBeGreaterThanOrEqual(3);
  });

  it("when a window is paged both ways, then each page is the window's next seqs and the edges are start-inclusive, end-exclusive", async () => {
    // Bounds on events' own times: the event at minute 20 is in, the one at minute 65 is out.
    const window = { start_time: at(20), end_time: at(65) };
    const all = expected(window);
    expect(all).toHaveLength(45);
    for (const limit of [7, 45, 50]) {
      const desc = await pagesBothWays(window, { limit });
      expect(desc.forward).toEqual(paged(all, limit));
      expect(desc.backward).toEqual(paged(all, limit));
      const asc = await pagesBothWays(window, { limit, order: "asc" });
      expect(asc.forward).toEqual(paged([...all].reverse(), limit));
      expect(asc.backward).toEqual(paged([...all].reverse(), limit));
    }
  });

  it("when a window has one bound, no events or no end, then the pages are still exactly its events", async () => {
    const cases: EventFilters[] = [
      { start_time: at(80) },
      { end_time: at(3) },
      { start_time: at(200), end_time: at(300) },
      { start_time: at(30), end_time: at(30) },
      { start_time: at(-10), end_time: at(500) },
    ];
    for (const window of cases) {
      const { forward } = await pagesBothWays(window, { limit: 20 });
      expect(forward.flat()).toEqual(expected(window));
    }
  });

  it("when a window is combined with other filters or a feed, then only events matching all come, paged", async () => {
    const window = { start_time: at(10), end_time: at(70) };
    const combined: [EventFilters, ListScope | undefined][] = [
      [{ ...window, actor_id: "user_1" }, undefined],
      [{ ...window, action: ["issue.closed"] }, undefined],
      [window, { kind: "workspace", id: "ws_odd" }],
      [
        { ...window, actor_id: "user_2" },
        { kind: "workspace", id: "ws_even" },
      ],
    ];
    for (const [filters, scope] of combined) {
      const all = expected(filters, scope);
      expect(all.length).toBeGreaterThan(3);
      const options = { limit: 3, ...(scope ? { scope } : {}) };
      const { forward, backward } = await pagesBothWays(filters, options);
      expect(forward).toEqual(paged(all, 3));
      expect(backward).toEqual(paged(all, 3));
    }
  });

  it("when the window holds as many events as the cap or more, then it is counted to the cap and no page is read", async () => {
    const selection = {
      projectId,
      filters: { start_time: at(20), end_time: at(65) },
      scope: { kind: "events" } as const,
    };
    const read = { ascending: false, limit: 6 };
    expect(await readWindowPage(t.store, selection, read, 45)).toEqual({ matches: 45, rows: [] });
    const under = await readWindowPage(t.store, selection, read, 46);
    expect(under.matches).toBe(45);
    expect(under.rows.map((row) => Number(row.seq))).toEqual(
      expected(selection.filters).slice(0, 6),
    );
    expect(under.rows[0]).not.toHaveProperty("window_matches");
    const empty = { ...selection, filters: { start_time: at(500) } };
    expect(await readWindowPage(t.store, empty, read, 45)).toEqual({ matches: 0, rows: [] });
  });
});
