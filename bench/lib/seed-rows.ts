import { createHash } from "node:crypto";
import { BENCH_START, benchEvents, type EventInput, seededRandom } from "./event-generator.js";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const idRandom = seededRandom(0x5eed);

/** A ULID from a timestamp and the seeded PRNG (the ulid package's crypto is too slow here). */
export function seededUlid(time: number): string {
  let out = "";
  let rest = time;
  for (let index = 0; index < 10; index++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  for (let index = 0; index < 16; index++) out += CROCKFORD[Math.floor(idRandom() * 32)];
  return out;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** One value as COPY's text format wants it (NULL as \N, backslash, tab, newlines escaped). */
function copyText(value: string | null): string {
  if (value === null) return "\\N";
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value
    .replace(/\\/g, "\\\\")
    .replace(/\t/g, "\\t")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r");
}

function textArray(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}

function changedFields(changes: EventInput["changes"]): string[] {
  if (!changes) return [];
  const keys = new Set([...Object.keys(changes.before), ...Object.keys(changes.after)]);
  return [...keys]
    .filter((key) => JSON.stringify(changes.before[key]) !== JSON.stringify(changes.after[key]))
    .sort();
}

/** Every string, number and boolean of a JSON value, depth first (search-text.ts, leaves). */
function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "number" || typeof value === "boolean") return [String(value)];
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(leaves);
  return [];
}

/** Values of one seeded event row by column name (the columns of migration 0001). */
export function rowValues(
  projectId: string,
  seq: number,
  event: EventInput,
  createdAt: number,
  prevHash: string | null,
): Record<string, string | null> {
  const { actor, target } = event;
  const targets = (event.targets ?? []).map((item) => ({
    type: item.type,
    id: item.id,
    name: item.name ?? null,
  }));
  const targetKeys = [target, ...targets]
    .filter((item) => item !== undefined)
    .map((item) => JSON.stringify([item.type, item.id]));
  const context = event.context
    ? {
        ip_address: event.context.ip_address ?? null,
        user_agent: event.context.user_agent ?? null,
        origin: event.context.origin ?? null,
        trace_id: event.context.trace_id ?? null,
        request_id: event.context.request_id ?? null,
      }
    : null;
  const onBehalfOf = actor.on_behalf_of
    ? {
        type: actor.on_behalf_of.type,
        id: actor.on_behalf_of.id,
        name: actor.on_behalf_of.name ?? null,
        email: actor.on_behalf_of.email ?? null,
      }
    : null;
  const metadata = JSON.stringify(event.metadata ?? {});
  // The server's composition (services/events/search-text.ts, searchText).
  const searchText = [
    event.action,
    actor.id,
    actor.name,
    actor.email,
    onBehalfOf?.id,
    onBehalfOf?.name,
    onBehalfOf?.email,
    target?.type,
    target?.id,
    target?.name,
    ...targets.flatMap((item) => [item.type, item.id, item.name]),
    event.summary,
    event.reason,
    metadata === "{}" ? null : metadata,
    ...(event.changes ? leaves([event.changes.before, event.changes.after]) : []),
    context?.ip_address,
    context?.user_agent,
    context?.trace_id,
  ]
    .filter((part) => typeof part === "string" && part !== "")
    .join(" ")
    .toLowerCase();
  // Not the real hash (that needs the canonical event): a stand-in of the same shape,
  // chained to the previous row, so that the seeded rows look like written ones.
  const hash = createHash("sha256").update(`${projectId}:${seq}`).digest("hex");
  return {
    project_id: projectId,
    seq: String(seq),
    id: `evt_${seededUlid(createdAt)}`,
    action: event.action,
    actor_type: actor.type,
    actor_id: actor.id,
    actor_name: actor.name ?? null,
    actor_email: actor.email ?? null,
    on_behalf_of: onBehalfOf ? JSON.stringify(onBehalfOf) : null,
    target_type: target?.type ?? null,
    target_id: target?.id ?? null,
    target_name: target?.name ?? null,
    targets: JSON.stringify(targets),
    target_keys: textArray(targetKeys),
    workspace_id: event.workspace_id ?? null,
    summary: event.summary ?? null,
    metadata,
    changes: event.changes ? JSON.stringify(event.changes) : null,
    changed_fields: textArray(changedFields(event.changes)),
    context: context ? JSON.stringify(context) : null,
    occurred_at: event.occurred_at ?? new Date(createdAt).toISOString(),
    created_at: new Date(createdAt).toISOString(),
    prev_hash: prevHash,
    hash,
    search_text: searchText,
  };
}

export interface SeedColumns {
  names: readonly string[];
  /** Columns the seeder has no value for: NULL is written (they must be nullable). */
  nullable: ReadonlySet<string>;
}

/**
 * `count` rows of one project as COPY text, in chunks of `chunkRows`; seq 1…count, created_at
 * one second apart, from a generator seeded with `seed` (same seed, same rows).
 */
export function* seedChunks(
  projectId: string,
  count: number,
  seed: number,
  columns: readonly string[],
  onLast: (last: { seq: number; hash: string }) => void,
  chunkRows = 2000,
): Generator<string> {
  const generator = benchEvents(seed);
  let prevHash: string | null = null;
  let lines: string[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const event = generator.next();
    const values = rowValues(projectId, seq, event, BENCH_START + seq * 1000 + 500, prevHash);
    prevHash = values.hash ?? null;
    lines.push(columns.map((name) => copyText(values[name] ?? null)).join("\t"));
    if (lines.length === chunkRows || seq === count) {
      yield `${lines.join("\n")}\n`;
      lines = [];
    }
  }
  onLast({ seq: count, hash: prevHash ?? "" });
}

/**
 * The statement that gives the seeded receipt times monthly partitions of their own (the
 * server creates them ahead of its clock only), so the rows do not all land in the default
 * partition; with its parameters. Each span is a count of events one second apart from
 * BENCH_START, moved by `shiftSeconds` (a copy into the past).
 */
export function seedPartitions(
  spans: readonly { count: number; shiftSeconds?: number }[],
): [string, string[]] {
  const starts = spans.map((span) => BENCH_START + (span.shiftSeconds ?? 0) * 1000);
  const ends = spans.map(
    (span) => BENCH_START + ((span.shiftSeconds ?? 0) + span.count + 1) * 1000,
  );
  return [
    "SELECT chronicle_create_event_partitions('month', $1, $2)",
    [
      new Date(Math.min(BENCH_START, ...starts)).toISOString(),
      new Date(Math.max(BENCH_START, ...ends)).toISOString(),
    ],
  ];
}

/** An index definition read from `pg_indexes` as one that builds on every partition too. */
export function indexOnPartitions(indexdef: string): string {
  return indexdef.replace(" ON ONLY ", " ON ");
}

/**
 * Sets each partition up again once the indexes are rebuilt: a rebuilt index takes the
 * parent's options, and the search index's pending list limit is the partition's own
 * (migration 0032).
 */
export const SET_UP_PARTITIONS = `SELECT chronicle_guard_event_partition(c.relname)
  FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
  WHERE i.inhparent = 'events'::regclass`;
