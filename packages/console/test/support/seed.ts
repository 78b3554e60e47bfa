import type { Chronicle, EventInput } from "@chronicle/sdk";

const ADA = {
  type: "user" as const,
  id: "usr_ada",
  name: "Ada Lovelace",
  email: "ada@example.com",
};
const PEOPLE = [
  ADA,
  { type: "user" as const, id: "usr_grace", name: "Grace Hopper", email: "grace@example.com" },
  { type: "service" as const, id: "svc_billing", name: "Billing" },
];
const STATUSES = ["open", "triaged", "in_progress", "closed"];

/** The n-th event of a plausible issue tracker: created, updated (with changes), closed. */
export function issueEvent(n: number, workspace: string): EventInput {
  // Actors cycle every three events, actions every event: every action has every actor.
  const actor = PEOPLE[Math.floor(n / 3) % PEOPLE.length] ?? ADA;
  const issue = `ISS-${100 + (n % 37)}`;
  const kind = n % 3;
  const base = {
    actor: actor as EventInput["actor"],
    target: { type: "issue", id: issue, name: `Issue ${issue}` },
    workspace_id: workspace,
    context: { ip_address: "203.0.113.7", origin: "ui" as const, request_id: `req_${n}` },
    metadata: { n, board: n % 2 ? "platform" : "web" },
  };
  if (kind === 0)
    return { ...base, action: "issue.created", summary: `${actor.name} opened ${issue}` };
  if (kind === 1) {
    const from = STATUSES[n % 4] ?? "open";
    const to = STATUSES[(n + 1) % 4] ?? "closed";
    return {
      ...base,
      action: "issue.updated",
      summary: `${actor.name} moved ${issue} from ${from} to ${to}`,
      changes: {
        before: { status: from, assignee: "usr_ada" },
        after: { status: to, assignee: "usr_grace" },
      },
    };
  }
  return { ...base, action: "issue.closed", summary: `${actor.name} closed ${issue}` };
}

/** Records `count` events through the SDK in batches of 500, alternating two workspaces. */
export async function seedEvents(
  client: Chronicle,
  count: number,
  workspaces: readonly string[] = ["ws_acme", "ws_globex"],
): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    const events: EventInput[] = [];
    for (let n = start; n < Math.min(count, start + 500); n++) {
      events.push(issueEvent(n, workspaces[n % workspaces.length] ?? "ws_acme"));
    }
    await client.events.batch({ events });
  }
}
