/**
 * A deterministic, realistic activity log: an issue tracker / DNS / billing SaaS with
 * customer workspaces, people, an AI agent working for a person, API keys, integrations and
 * the system itself. The demo project uses it at its own size (three workspaces of eight
 * people); the benchmark uses the same generator with hundreds of workspaces.
 */
import type { ActorInput, EventInput } from "@chronicle/types";

/** Small seeded PRNG (mulberry32) so every fresh demo looks the same. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Workspace {
  id: string;
  name: string;
  domain: string;
}

const NAMED_WORKSPACES: readonly Workspace[] = [
  { id: "ws_acme", name: "Acme Corp", domain: "acme.example" },
  { id: "ws_globex", name: "Globex", domain: "globex.example" },
  { id: "ws_initech", name: "Initech", domain: "initech.example" },
];

const PEOPLE = [
  ["Ada Lovelace", "ada"],
  ["Grace Hopper", "grace"],
  ["Alan Turing", "alan"],
  ["Katherine Johnson", "katherine"],
  ["Linus Torvalds", "linus"],
  ["Margaret Hamilton", "margaret"],
  ["Edsger Dijkstra", "edsger"],
  ["Barbara Liskov", "barbara"],
] as const;

const USER_AGENTS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
];

const ISSUE_TITLES = [
  "Login page times out on slow networks",
  "Export button missing in dark mode",
  "Webhook retries are not backed off",
  "Typo in the billing e-mail",
  "Search ignores accented characters",
  "Dashboard chart shows UTC instead of local time",
  "Invite link expires too early",
  "Rate limit headers missing on 404",
];

const ZONES = ["example.com", "status.example.com", "api.example.com", "cdn.example.net"];
const STATUSES = ["open", "in_progress", "in_review", "closed"] as const;
const PRIORITIES = ["low", "medium", "high", "urgent"] as const;
const ROLES = ["viewer", "member", "admin"] as const;

/** How big the generated organisation is. */
export interface ActivitySizes {
  /** Customer workspaces: the three named ones first, then `ws_0003`, `ws_0004`, … */
  workspaces: number;
  /** People in each workspace (`usr_<workspace>_1` …); names repeat after eight. */
  peoplePerWorkspace: number;
}

/** The demo project's sizes. */
export const DEMO_SIZES: ActivitySizes = { workspaces: 3, peoplePerWorkspace: PEOPLE.length };

export interface ActivityOptions {
  seed: number;
  sizes: ActivitySizes;
  /**
   * `occurred_at` (epoch ms) of the event at `index`, given a uniform draw in [0, 1) for
   * jitter: the demo spreads a fixed count over 30 days, the bench advances one second per event.
   */
  occurredAt: (index: number, jitter: number) => number;
}

/** The id of workspace `index` at any size (the three named ones, then `ws_0003` …). */
export function workspaceId(index: number): string {
  return workspaceAt(index).id;
}

function workspaceAt(index: number): Workspace {
  const named = NAMED_WORKSPACES[index];
  if (named) return named;
  const key = String(index).padStart(4, "0");
  return { id: `ws_${key}`, name: `Workspace ${key}`, domain: `ws${key}.example` };
}

/** The id of person `person` (0-based) of workspace `workspace`. */
export function userId(workspace: number, person: number): string {
  return `usr_${workspaceAt(workspace).id.slice(3)}_${person + 1}`;
}

function peopleOf(workspace: Workspace, count: number) {
  return Array.from({ length: count }, (_, index) => {
    const [name, handle] = PEOPLE[index % PEOPLE.length] as (typeof PEOPLE)[number];
    const round = Math.floor(index / PEOPLE.length);
    return {
      type: "user" as const,
      id: `usr_${workspace.id.slice(3)}_${index + 1}`,
      name,
      email: `${handle}${round === 0 ? "" : round}@${workspace.domain}`,
    };
  });
}

/** An endless, seeded stream of events (same seed and sizes, same events). */
export class ActivityGenerator {
  private readonly rand: () => number;
  private readonly workspaces: readonly Workspace[];
  private readonly people: ReturnType<typeof peopleOf>[];
  private readonly issues = new Map<
    string,
    { id: string; title: string; status: string; priority: string }[]
  >();
  private index = 0;

  constructor(private readonly options: ActivityOptions) {
    this.rand = seededRandom(options.seed);
    this.workspaces = Array.from({ length: options.sizes.workspaces }, (_, i) => workspaceAt(i));
    this.people = this.workspaces.map((workspace) =>
      peopleOf(workspace, options.sizes.peoplePerWorkspace),
    );
  }

  take(count: number): EventInput[] {
    return Array.from({ length: count }, () => this.next());
  }

  next(): EventInput {
    const rand = this.rand;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const hex = (length: number) =>
      Array.from({ length }, () => Math.floor(rand() * 16).toString(16)).join("");
    const i = this.index++;
    const issues = this.issues;

    const slot = Math.floor(rand() * this.workspaces.length);
    const workspace = this.workspaces[slot] as Workspace;
    const users = this.people[slot] as ReturnType<typeof peopleOf>;
    const user = pick(users);
    const occurred = new Date(this.options.occurredAt(i, rand())).toISOString();
    const context = {
      ip_address: `203.0.113.${1 + Math.floor(rand() * 250)}`,
      user_agent: pick(USER_AGENTS),
      origin: "ui" as const,
      trace_id: hex(32),
    };
    const agent: ActorInput = {
      type: "agent",
      id: "agt_triage_bot",
      name: "Triage assistant",
      on_behalf_of: { type: "user", id: user.id, name: user.name, email: user.email },
    };
    const list = issues.get(workspace.id) ?? [];
    issues.set(workspace.id, list);
    const roll = rand();
    const base = { workspace_id: workspace.id, occurred_at: occurred };

    if (roll < 0.22 || list.length === 0) {
      const issue = {
        id: `iss_${workspace.id.slice(3)}_${list.length + 1}`,
        title: pick(ISSUE_TITLES),
        status: "open",
        priority: pick(PRIORITIES),
      };
      list.push(issue);
      return {
        ...base,
        action: "issue.created",
        actor: rand() < 0.2 ? agent : user,
        target: { type: "issue", id: issue.id, name: issue.title },
        summary: `${user.name} opened "${issue.title}"`,
        metadata: { priority: issue.priority, labels: [pick(["bug", "ux", "billing", "api"])] },
        context,
      };
    } else if (roll < 0.5) {
      const issue = pick(list);
      const before = { status: issue.status, priority: issue.priority };
      const nextStatus =
        STATUSES[Math.min(STATUSES.indexOf(issue.status as never) + 1, 3)] ?? "closed";
      const after =
        rand() < 0.7
          ? { ...before, status: nextStatus }
          : { ...before, priority: pick(PRIORITIES) };
      Object.assign(issue, after);
      const actor = rand() < 0.35 ? agent : user;
      return {
        ...base,
        action: "issue.updated",
        actor,
        target: { type: "issue", id: issue.id, name: issue.title },
        summary:
          actor.type === "agent"
            ? `Triage assistant updated "${issue.title}" for ${user.name}`
            : `${user.name} updated "${issue.title}"`,
        changes: { before, after },
        metadata: { source: actor.type === "agent" ? "assistant" : "board" },
        context: actor.type === "agent" ? { ...context, origin: "integration" } : context,
      };
    } else if (roll < 0.6) {
      const issue = pick(list);
      const mentioned = pick(users);
      return {
        ...base,
        action: "issue.commented",
        actor: user,
        target: { type: "issue", id: issue.id, name: issue.title },
        targets: [{ type: "user", id: mentioned.id, name: mentioned.name }],
        summary: `${user.name} commented on "${issue.title}" and mentioned ${mentioned.name}`,
        metadata: { comment_length: 20 + Math.floor(rand() * 400) },
        context,
      };
    } else if (roll < 0.68) {
      const invitee = `${hex(6)}@${workspace.domain}`;
      const role = pick(ROLES);
      return {
        ...base,
        action: "member.invited",
        actor: user,
        target: { type: "invitation", id: `inv_${hex(10)}`, name: invitee },
        summary: `${user.name} invited ${invitee} as ${role}`,
        metadata: { role, expires_in_days: 7 },
        context,
      };
    } else if (roll < 0.74) {
      const member = pick(users);
      const before = { role: pick(ROLES) };
      const after = { role: pick(ROLES.filter((r) => r !== before.role)) };
      return {
        ...base,
        action: "member.role_changed",
        actor: user,
        target: { type: "user", id: member.id, name: member.name },
        summary: `${user.name} changed ${member.name}'s role to ${after.role}`,
        changes: { before, after },
        context,
      };
    } else if (roll < 0.84) {
      const zone = pick(ZONES);
      const before = { ttl: pick([300, 600, 3600]), proxied: rand() < 0.5 };
      const after =
        rand() < 0.5
          ? { ...before, ttl: pick([60, 120, 1800]) }
          : { ...before, proxied: !before.proxied };
      return {
        ...base,
        action: "zone.updated",
        actor:
          rand() < 0.3
            ? { type: "api_key", id: `key_${workspace.id.slice(3)}_terraform`, name: "terraform" }
            : user,
        target: { type: "zone", id: `zone_${zone.replaceAll(".", "_")}`, name: zone },
        summary: `DNS settings of ${zone} changed`,
        changes: { before, after },
        metadata: { record_count: 3 + Math.floor(rand() * 40) },
        context: { ...context, origin: rand() < 0.3 ? "api" : "ui" },
      };
    } else if (roll < 0.9) {
      const amount = 1900 + Math.floor(rand() * 40) * 500;
      return {
        ...base,
        action: "invoice.paid",
        actor: { type: "service", id: "svc_billing", name: "Billing" },
        target: {
          type: "invoice",
          id: `inv_${workspace.id.slice(3)}_${hex(8)}`,
          name: `Invoice ${occurred.slice(0, 7)}`,
        },
        summary: `Invoice paid: ${(amount / 100).toFixed(2)} EUR`,
        metadata: { amount_cents: amount, currency: "EUR", provider: "stripe" },
        context: { origin: "integration", trace_id: hex(32) },
      };
    } else if (roll < 0.94) {
      const format = pick(["csv", "ndjson"] as const);
      return {
        ...base,
        action: "export.created",
        actor: user,
        target: { type: "export", id: `exp_${hex(12)}`, name: `activity.${format}` },
        summary: `${user.name} exported the activity log as ${format.toUpperCase()}`,
        metadata: { format, filters: { action: ["issue.*"] } },
        context,
      };
    } else if (roll < 0.97) {
      const scopes = pick([
        ["activity:read"],
        ["activity:write"],
        ["activity:read", "activity:export"],
      ]);
      return {
        ...base,
        action: "api_key.created",
        actor: user,
        target: {
          type: "api_key",
          id: `key_${hex(12)}`,
          name: pick(["ci", "backend", "analytics"]),
        },
        summary: `${user.name} created an API key`,
        metadata: { scopes },
        context,
      };
    } else {
      return {
        ...base,
        action: "session.expired",
        actor: { type: "system", id: "sys_scheduler", name: "Scheduler" },
        target: { type: "user", id: user.id, name: user.name },
        summary: `${user.name}'s session expired`,
        metadata: { idle_minutes: 30 + Math.floor(rand() * 90) },
        context: { origin: "system" },
      };
    }
  }
}

/** The demo project's events: `count` of them over the 30 days before `now`. */
export function demoEvents(count = 1000, now = Date.now()): EventInput[] {
  const span = 30 * 24 * 3600 * 1000;
  const start = now - span;
  return new ActivityGenerator({
    seed: 20261123,
    sizes: DEMO_SIZES,
    occurredAt: (index, jitter) => start + Math.floor((span * (index + jitter)) / count),
  }).take(count);
}
