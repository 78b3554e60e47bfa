import type { Event } from "@chronicle/sdk";

const timeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : timeFormat.format(time);
}

export function actorLabel(event: Event): string {
  const actor = event.actor;
  const name = actor.name ?? actor.email ?? actor.id;
  const behalf = actor.on_behalf_of;
  return behalf ? `${name} for ${behalf.name ?? behalf.email ?? behalf.id}` : name;
}

export function targetLabel(event: Event): string {
  const target = event.target;
  if (!target) return "";
  return target.name ? `${target.type} ${target.name}` : `${target.type} ${target.id}`;
}

/** An RFC 3339 instant as the value of a `datetime-local` input (local time). */
export function instantToLocalInput(iso: string): string {
  if (!iso) return "";
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return "";
  const local = new Date(time.getTime() - time.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A `datetime-local` value as an RFC 3339 instant (empty stays empty). */
export function localInputToInstant(value: string): string {
  if (!value) return "";
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? "" : time.toISOString();
}

export type DiffKind = "added" | "removed" | "changed" | "same";

export interface DiffRow {
  field: string;
  before: string;
  after: string;
  kind: DiffKind;
}

function show(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

/** The `changes` of an event, one row per top-level field, changed fields first. */
export function diffRows(changes: Event["changes"]): DiffRow[] {
  if (!changes) return [];
  const before = (changes.before ?? {}) as Record<string, unknown>;
  const after = (changes.after ?? {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const rows = fields.map((field): DiffRow => {
    const b = show(before[field]);
    const a = show(after[field]);
    const kind: DiffKind = !(field in before)
      ? "added"
      : !(field in after)
        ? "removed"
        : a === b
          ? "same"
          : "changed";
    return { field, before: b, after: a, kind };
  });
  return [
    ...rows.filter((row) => row.kind !== "same"),
    ...rows.filter((row) => row.kind === "same"),
  ];
}

/** What to show of a caught failure. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
