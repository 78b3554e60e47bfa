import {
  collect,
  issueEvent,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import type { Event } from "@chronicle/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import type { EventFilters, ListOptions } from "../../src/domain/index.js";
import {
  exportEvents,
  getEvent,
  ingestEvents,
  listEvents,
  newestEventSeq,
  tailReader,
} from "../../src/services/index.js";

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return error.code;
    throw error;
  }
  return "no error";
}

const seqs = (events: Event[]) => events.map((event) => event.seq);

describe.each(STORE_KINDS)("reading events on %s", (kind) => {
  let t: TestStore;
  let projectId: string;
  let otherProjectId: string;

  beforeAll(async () => {
    t = await openTestStore(kind);
    projectId = (await newProject(t.store)).projectId;
    otherProjectId = (await newProject(t.store, "Other")).projectId;
    // 25 events: seq 1..25.
    await ingestEvents(
      t.store,
      projectId,
      Array.from({ length: 25 }, (_, i) => issueEvent(i + 1)),
    );
    await ingestEvents(t.store, otherProjectId, [issueEvent(100, { summary: "other project" })]);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function walk(options: ListOptions, filters: EventFilters = {}) {
    const pages = [await listEvents(t.store, projectId, filters, options)];
    for (;;) {
      const last = pages[pages.length - 1];
      if (!last?.has_more || !last.next_cursor) return pages;
      pages.push(
        await listEvents(t.store, projectId, filters, { ...options, cursor: last.next_cursor }),
      );
    }
  }

  it("when paging forward then back (desc), then the same events come back", async () => {
    const pages = await walk({ limit: 10 });
    expect(pages.map((page) => seqs(page.data))).toEqual([
      [25, 24, 23, 22, 21, 20, 19, 18, 17, 16],
      [15, 14, 13, 12, 11, 10, 9, 8, 7, 6],
      [5, 4, 3, 2, 1],
    ]);
    expect(pages[0]?.prev_cursor).toBeNull();
    expect(pages[2]?.next_cursor).toBeNull();
    const back1 = await listEvents(
      t.store,
      projectId,
      {},
      {
        limit: 10,
        cursor: pages[2]?.prev_cursor as string,
      },
    );
    expect(back1.data).toEqual(pages[1]?.data);
    expect(back1.has_more).toBe(true);
    const back2 = await listEvents(
      t.store,
      projectId,
      {},
      {
        limit: 10,
        cursor: back1.prev_cursor as string,
      },
    );
    expect(back2.data).toEqual(pages[0]?.data);
    expect(back2.has_more).toBe(false);
    expect(back2.prev_cursor).toBeNull();
    // And forward again from a page reached backwards.
    const forward = await listEvents(
      t.store,
      projectId,
      {},
      {
        limit: 10,
        cursor: back2.next_cursor as string,
      },
    );
    expect(forward.data).toEqual(pages[1]?.data);
  });

  it("when paging forward then back (asc), then the same events come back", async () => {
    const pages = await walk({ limit: 10, order: "asc" });
    expect(pages.map((page) => seqs(page.data))).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
      [21, 22, 23, 24, 25],
    ]);
    // asc always offers a next cursor, for polling.
    expect(pages[2]?.next_cursor).not.toBeNull();
    const back = await listEvents(
      t.store,
      projectId,
      {},
      {
        order: "asc",
        limit: 10,
        cursor: pages[2]?.prev_cursor as string,
      },
    );
    expect(back.data).toEqual(pages[1]?.data);
  });

  it("when include_total is asked, then total counts every match regardless of the page", async () => {
    const page = await listEvents(
      t.store,
      projectId,
      { actor_id: "user_1" },
      {
        limit: 2,
        includeTotal: true,
      },
    );
    expect(page.total).toBe(9);
    expect(page.data).toHaveLength(2);
    expect((await listEvents(t.store, projectId, {}, { limit: 2 })).total).toBeUndefined();
  });

  it("when a cursor is tampered with or reused elsewhere, then it is invalid_cursor", async () => {
    const page = await listEvents(t.store, projectId, { actor_id: "user_1" }, { limit: 2 });
    const cursor = page.next_cursor as string;
    const [body, mac] = cursor.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    const forged = `${Buffer.from(JSON.stringify({ ...payload, s: 999 })).toString("base64url")}.${mac}`;
    const list = (id: string, filters: EventFilters, options: ListOptions) =>
      code(listEvents(t.store, id, filters, options));

    expect(await list(projectId, { actor_id: "user_1" }, { limit: 2, cursor })).toBe("no error");
    expect(await list(projectId, { actor_id: "user_1" }, { cursor: forged })).toBe(
      "invalid_cursor",
    );
    expect(await list(projectId, { actor_id: "user_1" }, { cursor: `${cursor}x` })).toBe(
      "invalid_cursor",
    );
    expect(await list(projectId, { actor_id: "user_1" }, { cursor: "garbage" })).toBe(
      "invalid_cursor",
    );
    expect(await list(otherProjectId, { actor_id: "user_1" }, { cursor })).toBe("invalid_cursor");
    expect(await list(projectId, { actor_id: "user_2" }, { cursor })).toBe("invalid_cursor");
    expect(await list(projectId, {}, { cursor })).toBe("invalid_cursor");
    expect(await list(projectId, { actor_id: "user_1" }, { cursor, order: "asc" })).toBe(
      "invalid_cursor",
    );
    expect(
      await list(
        projectId,
        { actor_id: "user_1" },
        {
          cursor,
          scope: { kind: "workspace", id: "ws" },
        },
      ),
    ).toBe("invalid_cursor");
    // limit and include_total are not part of the binding.
    expect(
      await list(projectId, { actor_id: "user_1" }, { cursor, limit: 7, includeTotal: true }),
    ).toBe("no error");
  });

  it("when limit is out of range, then it is invalid_parameter at /query/limit", async () => {
    const error = await listEvents(t.store, projectId, {}, { limit: 201 }).catch((e) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.errors[0].pointer).toBe("/query/limit");
  });

  it("when an event id belongs to another project, then it is not found", async () => {
    const [mine] = (await listEvents(t.store, projectId, {}, { limit: 1 })).data;
    const [theirs] = (await listEvents(t.store, otherProjectId, {}, { limit: 1 })).data;
    expect((await getEvent(t.store, projectId, mine?.id as string)).id).toBe(mine?.id);
    expect(await code(getEvent(t.store, projectId, theirs?.id as string))).toBe("not_found");
    expect(await code(getEvent(t.store, projectId, "evt_nope"))).toBe("not_found");
  });

  it("when two projects list, search and export, then neither sees the other's events", async () => {
    const other = await listEvents(t.store, otherProjectId, {}, { includeTotal: true });
    expect(other.total).toBe(1);
    expect(
      (await listEvents(t.store, projectId, { search: "other project" }, {})).data,
    ).toHaveLength(0);
    const exported = await collect(exportEvents(t.store, otherProjectId, {}));
    expect(exported.map((event) => event.summary)).toEqual(["other project"]);
  });

  it("when exporting, then every match comes in seq order and later writes are not included", async () => {
    const { projectId: big } = await newProject(t.store, "Big");
    await ingestEvents(
      t.store,
      big,
      Array.from({ length: 1000 }, (_, i) => issueEvent(i)),
    );
    await ingestEvents(
      t.store,
      big,
      Array.from({ length: 500 }, (_, i) => issueEvent(i)),
    );
    const iterator = exportEvents(t.store, big, {});
    const first = await iterator.next();
    expect(first.value?.seq).toBe(1);
    // Written after the export started: past its snapshot bound.
    await ingestEvents(t.store, big, [issueEvent(9999)]);
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    expect(seqs(rest)).toEqual(Array.from({ length: 1499 }, (_, i) => i + 2));

    // Read a few seqs at a time, a filter matching every third event comes out the same.
    const user1 = await collect(exportEvents(t.store, big, { actor_id: "user_1" }));
    const inSpans = await collect(exportEvents(t.store, big, { actor_id: "user_1" }, { span: 7 }));
    expect(user1.length).toBeGreaterThan(400);
    expect(seqs(inSpans)).toEqual(seqs(user1));

    const stopped = exportEvents(t.store, big, { actor_id: "user_0" });
    const one = await stopped.next();
    expect(one.value?.actor.id).toBe("user_0");
    await stopped.return();
    expect((await stopped.next()).done).toBe(true);
  });

  it("when the tail reads after a seq, then it gets the later events in order, and how far it looked", async () => {
    const head = await newestEventSeq(t.store, projectId);
    const read = tailReader(t.store, projectId, { actor_id: "user_2" });
    const after20 = await read(20, 100);
    expect(seqs(after20.events)).toEqual([23]);
    expect(after20).toMatchObject({ readThrough: head, more: false });
    expect(await read(23, 100)).toEqual({ events: [], readThrough: head, more: false });
    // A full batch stops at its last event, and says there is more to read.
    const first = await read(0, 1);
    expect(first).toMatchObject({ readThrough: first.events[0]?.seq, more: true });
  });

  it("when the tail's filter matches nothing, then one read moves it to the newest event", async () => {
    const head = await newestEventSeq(t.store, projectId);
    const read = tailReader(t.store, projectId, { actor_id: "nobody" });
    expect(await read(0, 100)).toEqual({ events: [], readThrough: head, more: false });
    expect(await read(head, 100)).toEqual({ events: [], readThrough: head, more: false });
  });

  it("when the tail's filter cannot be read, then the reader is refused before any read", () => {
    expect(() => tailReader(t.store, projectId, { q: 'actor:"open' })).toThrow(ServiceError);
    expect(() => tailReader(t.store, projectId, { include_on_behalf: true })).toThrow(ServiceError);
  });

  it("when a tail starts without Last-Event-ID, then it starts after the newest event, or at 0", async () => {
    const newest = await listEvents(t.store, projectId, {}, { order: "desc", limit: 1 });
    expect(await newestEventSeq(t.store, projectId)).toBe(newest.data[0]?.seq);
    expect(await newestEventSeq(t.store, otherProjectId)).toBe(1);
    const empty = (await newProject(t.store, "Empty")).projectId;
    expect(await newestEventSeq(t.store, empty)).toBe(0);
  });
});

describe.each(STORE_KINDS)("list filters on %s", (kind) => {
  let t: TestStore;
  let projectId: string;

  beforeAll(async () => {
    t = await openTestStore(kind);
    projectId = (await newProject(t.store)).projectId;
    await ingestEvents(t.store, projectId, [
      {
        action: "issue.created",
        actor: { type: "user", id: "u_ada", name: "Ada Lovelace", email: "Ada@Example.com" },
        target: { type: "issue", id: "ISS-1", name: "Login Bug" },
        workspace_id: "ws_acme",
        summary: "Opened The Login Bug",
        occurred_at: "2026-01-01T00:00:00Z",
      },
      {
        action: "issue.comment.added",
        actor: { type: "agent", id: "bot_7", on_behalf_of: { type: "user", id: "u_ada" } },
        target: { type: "issue", id: "ISS-1" },
        targets: [{ type: "comment", id: "C-9" }],
        workspace_id: "ws_acme",
        metadata: { body: "Needs a ZEBRA crossing" },
        occurred_at: "2026-02-01T00:00:00Z",
      },
      {
        action: "issues.archived",
        actor: { type: "system", id: "cron" },
        target: { type: "project", id: "P-1" },
        workspace_id: "ws_globex",
        occurred_at: "2026-03-01T00:00:00Z",
      },
      {
        action: "user.updated",
        actor: { type: "api_key", id: "key_1" },
        target: { type: "user", id: "u_ada" },
        changes: { before: { email: "a@x", name: "Ada" }, after: { email: "b@x", name: "Ada" } },
        occurred_at: "2026-04-01T00:00:00Z",
      },
    ]);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const match = async (filters: EventFilters, options: ListOptions = {}) =>
    seqs((await listEvents(t.store, projectId, filters, { order: "asc", ...options })).data);

  it("when filtering by action, then exact names and prefixes both work", async () => {
    expect(await match({ action: ["issue.created"] })).toEqual([1]);
    expect(await match({ action: ["issue.*"] })).toEqual([1, 2]);
    expect(await match({ action: ["issue.*", "user.updated"] })).toEqual([1, 2, 4]);
    expect(await match({ action: ["issues.*"] })).toEqual([3]);
  });

  it("when filtering by actor, target, workspace and time, then only matches come", async () => {
    expect(await match({ actor_id: "bot_7" })).toEqual([2]);
    expect(await match({ actor_type: "system" })).toEqual([3]);
    expect(await match({ target_type: "issue" })).toEqual([1, 2]);
    expect(await match({ target_type: "issue", target_id: "ISS-1" })).toEqual([1, 2]);
    expect(await match({ workspace_id: "ws_acme" })).toEqual([1, 2]);
    expect(await match({ start_time: "2026-02-01T00:00:00Z" })).toEqual([2, 3, 4]);
    expect(await match({ end_time: "2026-02-01T00:00:00Z" })).toEqual([1]);
    expect(
      await match({ start_time: "2026-01-15T00:00:00+01:00", end_time: "2026-03-15T00:00:00Z" }),
    ).toEqual([2, 3]);
    expect(await match({ changed_field: "email" })).toEqual([4]);
    expect(await match({ changed_field: "name" })).toEqual([]);
  });

  it("when searching, then it is case-insensitive across action, actor, target, summary and metadata", async () => {
    expect(await match({ search: "COMMENT.ADDED" })).toEqual([2]);
    expect(await match({ search: "lovelace" })).toEqual([1]);
    expect(await match({ search: "ada@example" })).toEqual([1]);
    expect(await match({ search: "login bug" })).toEqual([1]);
    expect(await match({ search: "zebra" })).toEqual([2]);
    expect(await match({ search: "iss-1" })).toEqual([1, 2]);
    expect(await match({ search: "100%" })).toEqual([]);
    expect(await match({ search: "u_ada" })).toEqual([1, 2, 4]);
  });

  it("when reading a target's feed, then events naming it as target or among targets come", async () => {
    expect(await match({}, { scope: { kind: "target", type: "comment", id: "C-9" } })).toEqual([2]);
    expect(await match({}, { scope: { kind: "target", type: "issue", id: "ISS-1" } })).toEqual([
      1, 2,
    ]);
    expect(await match({}, { scope: { kind: "workspace", id: "ws_globex" } })).toEqual([3]);
  });

  it("when a time filter is not a date, then it is invalid_parameter", async () => {
    expect(await code(listEvents(t.store, projectId, { start_time: "yesterday" }))).toBe(
      "invalid_parameter",
    );
  });
});

describe.each(STORE_KINDS)("changed_field pages beyond the walked window on %s", (kind) => {
  let t: TestStore;
  let projectId: string;
  beforeAll(async () => {
    t = await openTestStore(kind);
    ({ projectId } = await newProject(t.store));
    // 6000 events: "rare" changes only in the first 12 (outside the newest 5000 seqs),
    // "common" in every third one.
    for (let start = 0; start < 6000; start += 1000) {
      const batch = Array.from({ length: 1000 }, (_, offset) => {
        const n = start + offset;
        const fields: Record<string, unknown> = { other: n };
        if (n < 12) fields.rare = n;
        if (n % 3 === 0) fields.common = n;
        return issueEvent(n, { changes: { before: {}, after: fields } });
      });
      await ingestEvents(t.store, projectId, batch);
    }
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
  });

  const walk = async (filters: EventFilters, options: ListOptions) => {
    const pages: number[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listEvents(t.store, projectId, filters, { ...options, cursor });
      pages.push(seqs(page.data));
      if (!page.has_more || !page.next_cursor) return pages;
      cursor = page.next_cursor;
    }
  };

  it("when the field is rare, then its pages come from the index in seq order, both ways", async () => {
    expect(await walk({ changed_field: "rare" }, { limit: 5 })).toEqual([
      [12, 11, 10, 9, 8],
      [7, 6, 5, 4, 3],
      [2, 1],
    ]);
    expect(await walk({ changed_field: "rare" }, { limit: 5, order: "asc" })).toEqual([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
      [11, 12],
    ]);
  });

  it("when the field is common, then the page is the newest matches", async () => {
    const page = await listEvents(t.store, projectId, { changed_field: "common" }, { limit: 4 });
    // n = seq - 1 and every third n matches: 5997, 5994, … are seqs 5998, 5995, …
    expect(seqs(page.data)).toEqual([5998, 5995, 5992, 5989]);
    expect(page.has_more).toBe(true);
  });
});
