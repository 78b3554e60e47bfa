/**
 * Deterministic, realistic event inputs for the workloads and the seeded datasets: an
 * issue tracker / DNS / billing SaaS with a few hundred customer workspaces, thousands of
 * people, agents acting for them, API keys, integrations and the system itself.
 */

export type ActorType = "user" | "agent" | "api_key" | "system" | "service";

export interface EventInput {
  action: string;
  actor: {
    type: ActorType;
    id: string;
    name?: string;
    email?: string;
    on_behalf_of?: { type: "user"; id: string; name?: string; email?: string };
  };
  target?: { type: string; id: string; name?: string };
  targets?: { type: string; id: string; name?: string }[];
  workspace_id?: string;
  summary?: string;
  metadata?: Record<string, unknown>;
  changes?: { before: Record<string, unknown>; after: Record<string, unknown> };
  context?: {
    ip_address?: string;
    user_agent?: string;
    origin?: "api" | "ui" | "cli" | "system" | "integration" | "other";
    trace_id?: string;
    request_id?: string;
  };
  occurred_at?: string;
}

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RESOURCES = [
  { type: "issue", prefix: "iss", verbs: ["created", "updated", "closed", "reopened", "deleted"] },
  { type: "comment", prefix: "cmt", verbs: ["created", "updated", "deleted"] },
  { type: "project", prefix: "prj", verbs: ["created", "updated", "archived"] },
  { type: "zone", prefix: "zone", verbs: ["created", "updated", "deleted"] },
  { type: "dns_record", prefix: "rec", verbs: ["created", "updated", "deleted"] },
  { type: "member", prefix: "mem", verbs: ["invited", "joined", "removed", "role_changed"] },
  { type: "invoice", prefix: "inv", verbs: ["created", "paid", "voided"] },
  { type: "api_key", prefix: "key", verbs: ["created", "revoked"] },
  { type: "session", prefix: "ses", verbs: ["started", "ended"] },
] as const;

/** Every action the generator emits (37), e.g. for picking filter values. */
export const ACTIONS: readonly string[] = RESOURCES.flatMap((resource) =>
  resource.verbs.map((verb) => `${resource.type}.${verb}`),
);

const FIRST = ["Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Edsger", "Barbara"];
const LAST = ["Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Dijkstra"];
const WORDS = ["login", "billing", "export", "latency", "dashboard", "timeout", "invoice"];
const AGENTS = ["triage-bot", "release-agent", "support-copilot"];
const SERVICES = ["github-sync", "stripe-webhook", "scim-provisioner", "terraform"];
const USER_AGENTS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36",
  "chronicle-cli/1.4.2 node/20.19",
  "terraform-provider-acme/3.2.0",
];

export interface GeneratorShape {
  users: number;
  workspaces: number;
  targetsPerType: number;
}

export const DEFAULT_SHAPE: GeneratorShape = {
  users: 2000,
  workspaces: 200,
  targetsPerType: 50_000,
};

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

export function userId(index: number): string {
  return `usr_${pad(index, 5)}`;
}

export function workspaceId(index: number): string {
  return `ws_${pad(index, 4)}`;
}

function personName(index: number): string {
  return `${FIRST[index % FIRST.length]} ${LAST[Math.floor(index / FIRST.length) % LAST.length]}`;
}

function personEmail(index: number): string {
  const name = personName(index).toLowerCase().replace(" ", ".");
  return `${name}.${index}@customer${index % 97}.example`;
}

/**
 * An endless stream of event inputs. `occurred_at` advances about one second per event
 * from `start`, so time filters select contiguous ranges.
 */
export class EventGenerator {
  private readonly random: () => number;
  private count = 0;

  constructor(
    seed: number,
    private readonly start = Date.parse("2026-01-01T00:00:00.000Z"),
    private readonly shape: GeneratorShape = DEFAULT_SHAPE,
  ) {
    this.random = prng(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  private int(limit: number): number {
    return Math.floor(this.random() * limit);
  }

  private actor(): EventInput["actor"] {
    const roll = this.random();
    const person = this.int(this.shape.users);
    if (roll < 0.7) {
      return {
        type: "user",
        id: userId(person),
        name: personName(person),
        email: personEmail(person),
      };
    }
    if (roll < 0.8) {
      const agent = this.pick(AGENTS);
      return {
        type: "agent",
        id: `agt_${agent}`,
        name: agent,
        on_behalf_of: { type: "user", id: userId(person), name: personName(person) },
      };
    }
    if (roll < 0.88) return { type: "api_key", id: `key_${pad(this.int(300), 4)}`, name: "CI key" };
    if (roll < 0.93) return { type: "system", id: "system", name: "Chronicle" };
    const service = this.pick(SERVICES);
    return { type: "service", id: `svc_${service}`, name: service };
  }

  next(): EventInput {
    const index = this.count++;
    const resource = this.pick(RESOURCES);
    const verb = this.pick(resource.verbs);
    const actor = this.actor();
    const targetNumber = this.int(this.shape.targetsPerType);
    const word = this.pick(WORDS);
    const target = {
      type: resource.type,
      id: `${resource.prefix}_${pad(targetNumber, 6)}`,
      name: `${word} ${resource.type} ${targetNumber}`,
    };
    const event: EventInput = {
      action: `${resource.type}.${verb}`,
      actor,
      target,
      workspace_id: workspaceId(this.int(this.shape.workspaces)),
      summary: `${actor.name ?? actor.id} ${verb.replace("_", " ")} ${resource.type} ${target.name}`,
      metadata: {
        plan: this.pick(["free", "team", "business", "enterprise"]),
        priority: this.int(5),
        labels: [word, this.pick(WORDS)],
        region: this.pick(["eu-west-1", "us-east-1", "ap-south-1"]),
      },
      context: {
        ip_address: `10.${this.int(256)}.${this.int(256)}.${this.int(256)}`,
        user_agent: this.pick(USER_AGENTS),
        origin: this.pick(["api", "ui", "ui", "cli", "integration"] as const),
        request_id: `req_${index.toString(36)}_${this.int(1e9).toString(36)}`,
      },
      occurred_at: new Date(this.start + index * 1000 + this.int(1000)).toISOString(),
    };
    if (verb === "updated" || verb === "role_changed") {
      const field = this.pick(["status", "title", "assignee", "priority", "ttl", "role"]);
      event.changes = {
        before: { [field]: `${word}-old`, updated_by: actor.id },
        after: { [field]: `${word}-new`, updated_by: actor.id },
      };
    }
    if (this.random() < 0.1) {
      event.targets = [{ type: "workspace", id: event.workspace_id as string }];
    }
    return event;
  }

  take(count: number): EventInput[] {
    return Array.from({ length: count }, () => this.next());
  }
}
