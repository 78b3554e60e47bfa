/**
 * A deterministic, realistic activity log for the demo project: a small issue tracker /
 * DNS / billing SaaS with three customer workspaces, people, an AI agent working for a
 * person, API keys, integrations and the system itself.
 */
import type { ActorInput, EventInput } from "@chronicle/types";

/** Small seeded PRNG (mulberry32) so every fresh demo looks the same. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORKSPACES = [
  { id: "ws_acme", name: "Acme Corp", domain: "acme.example" },
  { id: "ws_globex", name: "Globex", domain: "globex.example" },
  { id: "ws_initech", name: "Initech", domain: "initech.example" },
] as const;

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

export function demoEvents(count = 1000, now = Date.now()): EventInput[] {
  const rand = random(20261123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const hex = (length: number) =>
    Array.from({ length }, () => Math.floor(rand() * 16).toString(16)).join("");

  const usersOf = (workspace: (typeof WORKSPACES)[number]) =>
    PEOPLE.map(([name, handle], index) => ({
      type: "user" as const,
      id: `usr_${workspace.id.slice(3)}_${index + 1}`,
      name,
      email: `${handle}@${workspace.domain}`,
    }));

  const issues = new Map<
    string,
    { id: string; title: string; status: string; priority: string }[]
  >();
  const span = 30 * 24 * 3600 * 1000;
  const start = now - span;
  const events: EventInput[] = [];

  for (let i = 0; i < count; i++) {
    const workspace = pick(WORKSPACES);
    const users = usersOf(workspace);
    const user = pick(users);
    const occurred = new Date(start + Math.floor((span * (i + rand())) / count)).toISOString();
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
      events.push({
        ...base,
        action: "issue.created",
        actor: rand() < 0.2 ? agent : user,
        target: { type: "issue", id: issue.id, name: issue.title },
        summary: `${user.name} opened "${issue.title}"`,
        metadata: { priority: issue.priority, labels: [pick(["bug", "ux", "billing", "api"])] },
        context,
      });
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
      events.push({
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
      });
    } else if (roll < 0.6) {
      const issue = pick(list);
      const mentioned = pick(users);
      events.push({
        ...base,
        action: "issue.commented",
        actor: user,
        target: { type: "issue", id: issue.id, name: issue.title },
        targets: [{ type: "user", id: mentioned.id, name: mentioned.name }],
        summary: `${user.name} commented on "${issue.title}" and mentioned ${mentioned.name}`,
        metadata: { comment_length: 20 + Math.floor(rand() * 400) },
        context,
      });
    } else if (roll < 0.68) {
      const invitee = `${hex(6)}@${workspace.domain}`;
      const role = pick(ROLES);
      events.push({
        ...base,
        action: "member.invited",
        actor: user,
        target: { type: "invitation", id: `inv_${hex(10)}`, name: invitee },
        summary: `${user.name} invited ${invitee} as ${role}`,
        metadata: { role, expires_in_days: 7 },
        context,
      });
    } else if (roll < 0.74) {
      const member = pick(users);
      const before = { role: pick(ROLES) };
      const after = { role: pick(ROLES.filter((r) => r !== before.role)) };
      events.push({
        ...base,
        action: "member.role_changed",
        actor: user,
        target: { type: "user", id: member.id, name: member.name },
        summary: `${user.name} changed ${member.name}'s role to ${after.role}`,
        changes: { before, after },
        context,
      });
    } else if (roll < 0.84) {
      const zone = pick(ZONES);
      const before = { ttl: pick([300, 600, 3600]), proxied: rand() < 0.5 };
      const after =
        rand() < 0.5
          ? { ...before, ttl: pick([60, 120, 1800]) }
          : { ...before, proxied: !before.proxied };
      events.push({
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
      });
    } else if (roll < 0.9) {
      const amount = 1900 + Math.floor(rand() * 40) * 500;
      events.push({
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
      });
    } else if (roll < 0.94) {
      const format = pick(["csv", "ndjson"] as const);
      events.push({
        ...base,
        action: "export.created",
        actor: user,
        target: { type: "export", id: `exp_${hex(12)}`, name: `activity.${format}` },
        summary: `${user.name} exported the activity log as ${format.toUpperCase()}`,
        metadata: { format, filters: { action: ["issue.*"] } },
        context,
      });
    } else if (roll < 0.97) {
      const scopes = pick([
        ["activity:read"],
        ["activity:write"],
        ["activity:read", "activity:export"],
      ]);
      events.push({
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
      });
    } else {
      events.push({
        ...base,
        action: "session.expired",
        actor: { type: "system", id: "sys_scheduler", name: "Scheduler" },
        target: { type: "user", id: user.id, name: user.name },
        summary: `${user.name}'s session expired`,
        metadata: { idle_minutes: 30 + Math.floor(rand() * 90) },
        context: { origin: "system" },
      });
    }
  }
  return events;
}
