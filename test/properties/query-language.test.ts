import { client, newProject, setUp, type TestContext } from "@chronicle/test-kit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `q=` is a second spelling of the filters: a query of qualifiers and the filter parameters
 * it stands for return identical pages, and its boolean operators obey their laws over the
 * same events (a term and its negation partition the log; OR is inclusion-exclusion).
 */

const ACTIONS = [
  "issue.created",
  "issue.updated",
  "issue.deleted",
  "member.invited",
  "member.role.updated",
];
const USERS = ["usr_1", "usr_2", "usr_3"];
const WORDS = ["alpha", "beta", "gamma"];
const DAYS = ["2026-10-01", "2026-10-04", "2026-10-08", "2026-10-12"];

function seedEvents() {
  return Array.from({ length: 60 }, (_, i) => {
    const agent = i % 4 === 1;
    const user = USERS[i % 3] as string;
    return {
      action: ACTIONS[(i * 7) % ACTIONS.length],
      actor: agent
        ? { type: "agent", id: "agt_1", on_behalf_of: { type: "user", id: user } }
        : { type: "user", id: user },
      target: { type: i % 2 ? "issue" : "user", id: `t_${i % 5}` },
      ...(i % 6 === 0 ? {} : { workspace_id: `ws_${i % 2}` }),
      summary: `${WORDS[i % 3]} ${i}`,
      ...(i % 3 === 0 ? { changes: { before: { status: "a" }, after: { status: "b" } } } : {}),
      context: { trace_id: `tr_${i % 4}`, ip_address: `10.0.0.${i % 3}` },
      occurred_at: new Date(Date.UTC(2026, 9, 1 + (i % 14), i % 24)).toISOString(),
    };
  });
}

interface Filters {
  action?: string[];
  actor_id?: string;
  actor_type?: string;
  on_behalf_of_id?: string;
  target_type?: string;
  target_id?: string;
  workspace_id?: string;
  changed_field?: string;
  trace_id?: string;
  ip_address?: string;
  search?: string;
  start?: string;
  end?: string;
}

const filters: fc.Arbitrary<Filters> = fc.record(
  {
    action: fc.subarray(["issue.*", "*.updated", "member.invited", "*.deleted"], {
      minLength: 1,
      maxLength: 3,
    }),
    actor_id: fc.constantFrom(...USERS, "agt_1"),
    actor_type: fc.constantFrom("user", "agent"),
    on_behalf_of_id: fc.constantFrom(...USERS),
    target_type: fc.constantFrom("issue", "user"),
    target_id: fc.constantFrom("t_1", "t_2"),
    workspace_id: fc.constantFrom("ws_0", "ws_1"),
    changed_field: fc.constantFrom("status", "title"),
    trace_id: fc.constantFrom("tr_0", "tr_3"),
    ip_address: fc.constantFrom("10.0.0.1", "10.0.0.2"),
    search: fc.constantFrom(...WORDS, "beta 1"),
    start: fc.constantFrom(...DAYS),
    end: fc.constantFrom(...DAYS),
  },
  { requiredKeys: [] },
);

function asParameters(f: Filters): string {
  const params = new URLSearchParams();
  for (const action of f.action ?? []) params.append("action", action);
  for (const key of [
    "actor_id",
    "actor_type",
    "on_behalf_of_id",
    "target_type",
    "target_id",
    "workspace_id",
    "changed_field",
    "trace_id",
    "ip_address",
    "search",
  ] as const) {
    const value = f[key];
    if (value !== undefined) params.set(key, value);
  }
  if (f.start) params.set("start_time", `${f.start}T00:00:00Z`);
  if (f.end) params.set("end_time", `${f.end}T00:00:00Z`);
  return params.toString();
}

function asQuery(f: Filters): string {
  const terms: string[] = [];
  if (f.action) terms.push(`action:${f.action.join(",")}`);
  if (f.actor_id) terms.push(`actor:${f.actor_id}`);
  if (f.actor_type) terms.push(`actor_type:${f.actor_type}`);
  if (f.on_behalf_of_id) terms.push(`on_behalf_of:${f.on_behalf_of_id}`);
  if (f.target_type) terms.push(`target_type:${f.target_type}`);
  if (f.target_id) terms.push(`target:${f.target_id}`);
  if (f.workspace_id) terms.push(`workspace:${f.workspace_id}`);
  if (f.changed_field) terms.push(`changed:${f.changed_field}`);
  if (f.trace_id) terms.push(`trace:${f.trace_id}`);
  if (f.ip_address) terms.push(`ip:${f.ip_address}`);
  if (f.search) terms.push(`"${f.search}"`);
  if (f.start) terms.push(`created:>=${f.start}`);
  if (f.end) terms.push(`created:<${f.end}`);
  return terms.join(" ");
}

/** A single qualifier of the language, for the boolean laws. */
const term = fc.oneof(
  fc.constantFrom(...ACTIONS).map((a) => `action:${a}`),
  fc.constantFrom("issue.*", "*.updated").map((a) => `action:${a}`),
  fc.constantFrom(...USERS).map((u) => `actor:${u}`),
  fc.constantFrom(...USERS).map((u) => `on_behalf_of:${u}`),
  fc.constantFrom("ws_0", "ws_1").map((w) => `workspace:${w}`),
  fc.constantFrom("status").map((c) => `changed:${c}`),
  fc.constantFrom(...DAYS).map((d) => `created:>=${d}`),
  fc.constantFrom(...WORDS),
);

describe("q= against the filters", () => {
  let ctx: TestContext;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    ctx = await setUp("pglite");
    const { key } = await newProject(ctx.store, "Query language");
    api = client(ctx.server.base, key);
    const created = await api("POST", "/v1/events/batch", { body: { events: seedEvents() } });
    expect(created.status, created.text).toBe(201);
  });
  afterAll(async () => {
    await ctx.close();
  });

  const page = async (query: string) => {
    const response = await api("GET", `/v1/events?include_total=true&${query}`);
    expect(response.status, `${query}: ${response.text}`).toBe(200);
    return response.json as { data: unknown[]; has_more: boolean; total: number };
  };
  const total = async (q: string) => (await page(`q=${encodeURIComponent(q)}`)).total;

  it("when q= states the same filters as the parameters, then the pages are identical", async () => {
    await fc.assert(
      fc.asyncProperty(
        filters,
        fc.constantFrom("asc", "desc"),
        fc.integer({ min: 1, max: 7 }),
        async (f, order, limit) => {
          const paging = `order=${order}&limit=${limit}`;
          const byFilters = await page(`${asParameters(f)}&${paging}`);
          const query = asQuery(f);
          const byQuery = query
            ? await page(`q=${encodeURIComponent(query)}&${paging}`)
            : await page(paging);
          expect(byQuery.data, query).toEqual(byFilters.data);
          expect(byQuery.has_more, query).toBe(byFilters.has_more);
          expect(byQuery.total, query).toBe(byFilters.total);
        },
      ),
      { numRuns: 60 },
    );
  }, 180_000);

  it("when a term is negated, then it and its negation partition the events", async () => {
    const all = (await page("")).total;
    await fc.assert(
      fc.asyncProperty(term, async (t) => {
        expect((await total(t)) + (await total(`-${t}`)), t).toBe(all);
        expect(await total(`NOT ${t}`), t).toBe(await total(`-${t}`));
      }),
      { numRuns: 30 },
    );
  }, 180_000);

  it("when two terms are OR-ed, then the count is inclusion-exclusion of the AND", async () => {
    await fc.assert(
      fc.asyncProperty(term, term, async (a, b) => {
        const union = await total(`${a} OR ${b}`);
        expect(union, `${a} OR ${b}`).toBe(
          (await total(a)) + (await total(b)) - (await total(`${a} ${b}`)),
        );
        expect(await total(`(${a}) OR (${b})`)).toBe(union);
      }),
      { numRuns: 30 },
    );
  }, 180_000);
});
