import {
  client,
  event,
  newProject,
  STORE_KINDS,
  setUp,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Six events covering what issue 17's filters tell apart (seq in comments). */
const EVENTS = [
  // 1: a user changes an issue's status, from an office address
  event({
    action: "issue.updated",
    changes: { before: { status: "open" }, after: { status: "Checkout Fails" } },
    context: { ip_address: "203.0.113.7", user_agent: "Firefox/131", trace_id: "trace-aaa" },
  }),
  // 2: an agent deletes a member for usr_1
  event({
    action: "member.deleted",
    actor: { type: "agent", id: "agt_7", on_behalf_of: { type: "user", id: "usr_1" } },
    target: { type: "user", id: "usr_2" },
    context: { ip_address: "198.51.100.1", trace_id: "trace-bbb" },
    outcome: "denied",
    correlation_id: "op-1",
  }),
  // 3: a nested action's verb, no workspace
  event({
    action: "member.role.updated",
    actor: { type: "user", id: "usr_2" },
    workspace_id: undefined,
    changes: { before: { role: { name: "viewer", level: 1 } }, after: { role: { name: "owner" } } },
  }),
  // 4: another workspace, same trace as 2
  event({
    action: "issue.deleted",
    workspace_id: "ws_globex",
    context: { trace_id: "trace-bbb" },
    correlation_id: "op-1",
  }),
  // 5: an agent acting for usr_2
  event({
    action: "issue.created",
    actor: { type: "agent", id: "agt_7", on_behalf_of: { type: "user", id: "usr_2" } },
  }),
  // 6: plain
  event({ action: "user.login", occurred_at: "2026-11-02T12:00:00Z" }),
];

describe.each(STORE_KINDS)("filters, search and q= over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let api: ReturnType<typeof client>;
  let other: ReturnType<typeof client>;

  beforeAll(async () => {
    ctx = await setUp(kind);
    const { key } = await newProject(ctx.store, "Filters");
    api = client(ctx.server.base, key);
    const recorded = await api("POST", "/v1/events/batch", {
      body: {
        events: EVENTS.map((item, i) => ({
          occurred_at: `2026-10-${String(20 + i).padStart(2, "0")}T10:00:00Z`,
          ...item,
        })),
      },
    });
    expect(recorded.status, recorded.text).toBe(201);
    // Another tenant with the same ids, actions and trace: never visible to the first.
    const second = await newProject(ctx.store, "Other tenant");
    other = client(ctx.server.base, second.key);
    expect((await other("POST", "/v1/events/batch", { body: { events: EVENTS } })).status).toBe(
      201,
    );
  });
  afterAll(async () => {
    await ctx.close();
  });

  const seqs = async (query: string, as = api): Promise<number[]> => {
    const response = await as("GET", `/v1/events?order=asc&${query}`);
    expect(response.status, `${query}: ${response.text}`).toBe(200);
    return (response.json.data as { seq: number }[]).map((e) => e.seq);
  };
  const q = (query: string) => seqs(`q=${encodeURIComponent(query)}`);

  it("when action is a verb (*.updated), then it matches that last segment across resources and mixes with prefixes", async () => {
    expect(await seqs("action=*.updated")).toEqual([1, 3]);
    expect(await seqs("action=*.deleted")).toEqual([2, 4]);
    expect(await seqs("action=*.deleted&action=member.*")).toEqual([2, 3, 4]);
    expect(await seqs("action=*.updated&action=user.login")).toEqual([1, 3, 6]);
  });

  it("when searching, then the values of changes and the context's address, agent and trace match", async () => {
    expect(await seqs("search=checkout%20fails")).toEqual([1]);
    expect(await seqs("search=OWNER")).toEqual([3]);
    expect(await seqs("search=viewer")).toEqual([3]);
    expect(await seqs("search=203.0.113")).toEqual([1]);
    expect(await seqs("search=firefox")).toEqual([1]);
    expect(await seqs("search=trace-bbb")).toEqual([2, 4]);
  });

  it("when filtering by trace, address or the user an agent acted for, then only those events come", async () => {
    expect(await seqs("trace_id=trace-bbb")).toEqual([2, 4]);
    expect(await seqs("ip_address=203.0.113.7")).toEqual([1]);
    expect(await seqs("ip_address=203.0.113")).toEqual([]);
    expect(await seqs("on_behalf_of_id=usr_1")).toEqual([2]);
    expect(await seqs("actor_id=usr_2")).toEqual([3]);
    expect(await seqs("actor_id=usr_2&include_on_behalf=true")).toEqual([3, 5]);
    expect(await seqs("actor_id=usr_1&include_on_behalf=true&action=member.*")).toEqual([2]);
  });

  it("when include_on_behalf comes without actor_id, then it is 400 invalid_parameter", async () => {
    const response = await api("GET", "/v1/events?include_on_behalf=true");
    expect(response.status).toBe(400);
    expect(response.json.code).toBe("invalid_parameter");
    expect(response.json.errors[0].pointer).toBe("/query/include_on_behalf");
  });

  it("when q= holds qualifiers, then each maps onto its filter", async () => {
    expect(await q("action:*.updated")).toEqual([1, 3]);
    expect(await q("action:issue.*,*.deleted")).toEqual([1, 2, 4, 5]);
    expect(await q("actor:usr_2")).toEqual([3]);
    expect(await q("actor_type:agent")).toEqual([2, 5]);
    expect(await q("on_behalf_of:usr_2")).toEqual([5]);
    expect(await q("target_type:user target:usr_2")).toEqual([2]);
    expect(await q("workspace:ws_globex")).toEqual([4]);
    expect(await q("changed:status")).toEqual([1]);
    expect(await q("trace:trace-bbb")).toEqual([2, 4]);
    expect(await q("ip:203.0.113.7")).toEqual([1]);
    expect(await q("outcome:denied")).toEqual([2]);
    expect(await q("correlation:op-1")).toEqual([2, 4]);
    expect(await q("created:2026-10-21")).toEqual([2]);
    expect(await q("created:>=2026-10-24")).toEqual([5, 6]);
    expect(await q("created:>2026-10-24")).toEqual([6]);
    expect(await q("created:<=2026-10-21")).toEqual([1, 2]);
    expect(await q("created:<2026-10-21")).toEqual([1]);
    expect(await q("created:2026-10-21..2026-10-22")).toEqual([2, 3]);
    expect(await q("created:>=2026-10-22T10:00:00Z created:<2026-10-22T10:00:00.001Z")).toEqual([
      3,
    ]);
    expect(await q('"checkout fails"')).toEqual([1]);
    expect(await q("firefox 203.0")).toEqual([1]);
  });

  it("when q= combines with OR, negation and parentheses, then the boolean reading holds", async () => {
    expect(await q("actor:usr_2 OR on_behalf_of:usr_2")).toEqual([3, 5]);
    expect(await q("-actor_type:agent")).toEqual([1, 3, 4, 6]);
    expect(await q("-outcome:denied")).toEqual([1, 3, 4, 5, 6]);
    expect(await q("NOT actor_type:agent action:issue.*")).toEqual([1, 4]);
    // An event without a workspace is one a negated workspace keeps.
    expect(await q("-workspace:ws_acme")).toEqual([3, 4]);
    // OR binds tighter than the implicit AND.
    expect(await q("action:*.deleted OR action:*.updated actor_type:user")).toEqual([1, 3, 4]);
    expect(await q("action:*.deleted OR (action:*.updated actor_type:user)")).toEqual([1, 2, 3, 4]);
    expect(await q("-(actor_type:agent OR workspace:ws_globex)")).toEqual([1, 3, 6]);
    expect(await q('action:issue.* -"checkout fails"')).toEqual([4, 5]);
    expect(await q("actor:usr_1 actor:usr_2")).toEqual([]);
  });

  it("when q= and the filters come together, then both hold and paging keeps to them", async () => {
    expect(await seqs(`action=issue.*&q=${encodeURIComponent("-action:*.deleted")}`)).toEqual([
      1, 5,
    ]);
    const first = await api("GET", `/v1/events?limit=2&q=${encodeURIComponent("-user.login")}`);
    expect(first.status).toBe(200);
    expect(first.json.data.map((e: { seq: number }) => e.seq)).toEqual([5, 4]);
    const next = await api(
      "GET",
      `/v1/events?limit=2&q=${encodeURIComponent("-user.login")}&cursor=${first.json.next_cursor}`,
    );
    expect(next.json.data.map((e: { seq: number }) => e.seq)).toEqual([3, 2]);
    const otherQuery = await api(
      "GET",
      `/v1/events?limit=2&q=${encodeURIComponent("user.login")}&cursor=${first.json.next_cursor}`,
    );
    expect(otherQuery.status).toBe(400);
    expect(otherQuery.json.code).toBe("invalid_cursor");
  });

  it("when q= has a syntax error, then the 400 says the character and shows it under a caret", async () => {
    const cases: [string, number, RegExp][] = [
      ["action:issue.* (actor:usr_1", 16, /not closed/],
      ["actor:usr_1 )", 13, /closes nothing/],
      ['summary "checkout fails', 9, /unclosed quote/],
      ["colour:red", 1, /unknown key "colour"/],
      ["actor_type:robot", 12, /expected one of/],
      ["created:>=2026-13-01", 11, /expected a date/],
      ["created:2026-11-01..tomorrow", 21, /expected a date/],
      ["action:issue.created,Bad", 22, /expected an action/],
      ["actor:", 7, /expected a value/],
      ["actor:usr_1 OR", 15, /end of the query/],
      ["OR actor:usr_1", 1, /found "OR"/],
      ["()", 2, /inside the parentheses/],
      ["   ", 1, /empty/],
    ];
    for (const [query, position, reason] of cases) {
      const response = await api("GET", `/v1/events?q=${encodeURIComponent(query)}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(response.json.code).toBe("invalid_parameter");
      const [error] = response.json.errors;
      expect(error.pointer).toBe("/query/q");
      expect(error.position, query).toBe(position);
      expect(error.detail, query).toMatch(reason);
      const [, excerpt, caret] = (response.json.detail as string).split("\n");
      expect(excerpt, query).toBe(query);
      expect(caret, query).toBe(`${" ".repeat(position - 1)}^`);
    }
  });

  it("when created: names the calendar's edges, then year 0 is a 400 at the date and the last day of 9999 is a bound, never a 500", async () => {
    const refused: [string, number][] = [
      ["created:0000-01-01", 9],
      ["created:<0000-06-01", 10],
      ["created:0001-01-01T00:30:00+01:00", 9],
      ["created:2026-01-01..0000-12-31", 21],
      ["created:9999-12-31T23:59:59-01:00", 9],
    ];
    for (const [query, position] of refused) {
      const response = await api("GET", `/v1/events?q=${encodeURIComponent(query)}`);
      expect(response.status, `${query}: ${response.text}`).toBe(400);
      expect(response.json.errors[0].position, query).toBe(position);
    }
    expect(await q("created:9999-12-31")).toEqual([]);
    expect(await q("created:>9999-12-31T23:59:59.999Z")).toEqual([]);
    expect(await q("created:<=9999-12-31")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await q("created:2026-01-01..9999-12-31")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await q("created:>=0001-01-01")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await q("created:<0001-01-01")).toEqual([]);
    const exported = await api(
      "GET",
      `/v1/events/export?format=ndjson&q=${encodeURIComponent("created:<=9999-12-31")}`,
    );
    expect(exported.status, exported.text).toBe(200);
    expect(exported.text.trim().split("\n")).toHaveLength(6);
  });

  it("when a search narrowed by a filter has its matches beyond the nearest few thousand of that filter's events, then they are still found, in order", async () => {
    const { key } = await newProject(ctx.store, "Narrowed search");
    const own = client(ctx.server.base, key);
    const actor = { type: "user", id: "usr_many" };
    const needles = [0, 1, 2].map((i) => event({ actor, summary: `needle ${i}` }));
    const hay = Array.from({ length: 1000 }, () => event({ actor, summary: "hay" }));
    for (const events of [needles, hay, hay, hay]) {
      expect((await own("POST", "/v1/events/batch", { body: { events } })).status).toBe(201);
    }
    const page = await own("GET", "/v1/events?search=needle&actor_id=usr_many&limit=2");
    expect(page.status).toBe(200);
    expect(page.json.data.map((e: { summary: string }) => e.summary)).toEqual([
      "needle 2",
      "needle 1",
    ]);
    const rest = await own(
      "GET",
      `/v1/events?search=needle&actor_id=usr_many&limit=2&cursor=${page.json.next_cursor}`,
    );
    expect(rest.json.data.map((e: { summary: string }) => e.summary)).toEqual(["needle 0"]);
    expect(rest.json.has_more).toBe(false);
    const common = await own(
      "GET",
      "/v1/events?search=hay&actor_id=usr_many&limit=3&include_total=true",
    );
    expect(common.json.data).toHaveLength(3);
    expect(common.json.total).toBe(3000);
  });

  it("when a changed field narrowed by a workspace has its matches beyond the nearest few thousand of that workspace's events, then they are still found, in order", async () => {
    const { key } = await newProject(ctx.store, "Narrowed changed field");
    const own = client(ctx.server.base, key);
    const changes = { before: { status: "open" }, after: { status: "closed" } };
    const needles = [0, 1, 2].map((i) =>
      event({ workspace_id: "ws_many", summary: `changed ${i}`, changes }),
    );
    const hay = Array.from({ length: 1000 }, () => event({ workspace_id: "ws_many" }));
    for (const events of [needles, hay, hay, hay]) {
      expect((await own("POST", "/v1/events/batch", { body: { events } })).status).toBe(201);
    }
    const query = encodeURIComponent("changed:status workspace:ws_many");
    const page = await own("GET", `/v1/events?q=${query}&limit=2`);
    expect(page.status).toBe(200);
    expect(page.json.data.map((e: { summary: string }) => e.summary)).toEqual([
      "changed 2",
      "changed 1",
    ]);
    const rest = await own("GET", `/v1/events?q=${query}&limit=2&cursor=${page.json.next_cursor}`);
    expect(rest.json.data.map((e: { summary: string }) => e.summary)).toEqual(["changed 0"]);
    expect(rest.json.has_more).toBe(false);
    const filtered = await own("GET", "/v1/events?changed_field=status&workspace_id=ws_many");
    expect(filtered.json.data).toHaveLength(3);
  });

  it("when another project asks the same q=, then it sees only its own events", async () => {
    const mine = await seqs(`q=${encodeURIComponent("trace:trace-bbb")}`, other);
    expect(mine).toHaveLength(2);
    const response = await other("GET", `/v1/events?q=${encodeURIComponent("trace:trace-bbb")}`);
    const ids = new Set((response.json.data as { id: string }[]).map((e) => e.id));
    const firstTenant = await api("GET", `/v1/events?q=${encodeURIComponent("trace:trace-bbb")}`);
    for (const e of firstTenant.json.data as { id: string }[]) expect(ids.has(e.id)).toBe(false);
  });

  it("when exporting and listing a feed with q=, then they select what the list selects", async () => {
    const exported = await api(
      "GET",
      `/v1/events/export?format=ndjson&q=${encodeURIComponent("actor:usr_2 OR on_behalf_of:usr_2")}`,
    );
    expect(exported.status).toBe(200);
    const lines = exported.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).seq);
    expect(lines).toEqual([3, 5]);
    const feed = await api(
      "GET",
      `/v1/workspaces/ws_acme/events?order=asc&q=${encodeURIComponent("action:*.deleted")}`,
    );
    expect(feed.status).toBe(200);
    expect(feed.json.data.map((e: { seq: number }) => e.seq)).toEqual([2]);
  });
});
