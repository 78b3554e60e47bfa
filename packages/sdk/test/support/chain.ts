import { createHash } from "node:crypto";

/** A JCS (RFC 8785) serialiser for the plain JSON the tests use, independent of the SDK's. */
export function jcs(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${jcs(member)}`).join(",")}}`;
}

export function nodeHash(event: Record<string, unknown>): string {
  const { hash: _hash, ...rest } = event;
  return createHash("sha256").update(jcs(rest), "utf8").digest("hex");
}

export interface TestEvent {
  id: string;
  seq: number;
  action: string;
  actor: {
    type: string;
    id: string;
    name: string | null;
    email: string | null;
    on_behalf_of: null;
  };
  target: { type: string; id: string; name: string | null } | null;
  targets: { type: string; id: string; name: string | null }[];
  workspace_id: string | null;
  summary: string | null;
  metadata: Record<string, unknown>;
  changes: { before: Record<string, unknown>; after: Record<string, unknown> } | null;
  changed_fields: string[];
  context: null;
  occurred_at: string;
  created_at: string;
  prev_hash: string | null;
  hash: string;
}

/** A valid chain of `n` events starting at seq 1, hashed with node:crypto. */
export function buildChain(n: number): TestEvent[] {
  const events: TestEvent[] = [];
  let prev: string | null = null;
  for (let seq = 1; seq <= n; seq++) {
    const event: TestEvent = {
      id: `evt_${String(seq).padStart(26, "0")}`,
      seq,
      action: seq % 2 ? "issue.created" : "issue.updated",
      actor: { type: "user", id: `u_${seq}`, name: "Zoë ✓", email: null, on_behalf_of: null },
      target: { type: "issue", id: `iss_${seq}`, name: null },
      targets: [],
      workspace_id: seq % 3 ? "ws_1" : null,
      summary: `Event number ${seq} — "quoted"`,
      metadata: { z: 1, a: { nested: [1.5, true, null, "x"] }, é: seq },
      changes: seq % 2 ? null : { before: { title: "a" }, after: { title: "b" } },
      changed_fields: seq % 2 ? [] : ["title"],
      context: null,
      occurred_at: new Date(Date.UTC(2026, 10, 23, 10, 0, seq)).toISOString(),
      created_at: new Date(Date.UTC(2026, 10, 23, 10, 0, seq, 5)).toISOString(),
      prev_hash: prev,
      hash: "",
    };
    event.hash = nodeHash(event as unknown as Record<string, unknown>);
    prev = event.hash;
    events.push(event);
  }
  return events;
}
