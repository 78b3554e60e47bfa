import type { Event } from "@chronicle/types";

type SearchedContent = Omit<Event, "id" | "seq" | "created_at" | "prev_hash" | "hash">;

/** Every string, number and boolean in a JSON value, depth first. */
function leaves(value: unknown, into: string[]): string[] {
  if (typeof value === "string") into.push(value);
  else if (typeof value === "number" || typeof value === "boolean") into.push(String(value));
  else if (Array.isArray(value)) for (const item of value) leaves(item, into);
  else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) leaves(item, into);
  }
  return into;
}

/**
 * The lower-cased text the `search` filter matches (trigram-indexed): the action, the
 * actor and whom it acted for, the targets, the summary, the reason, the metadata, the values of
 * `changes` and the context's IP address, user agent and trace id. Migration 0010 appends
 * the last two groups to rows recorded before it, in this order.
 */
export function searchText(content: SearchedContent): string {
  const { actor, context, changes } = content;
  const parts = [
    content.action,
    actor.id,
    actor.name,
    actor.email,
    actor.on_behalf_of?.id,
    actor.on_behalf_of?.name,
    actor.on_behalf_of?.email,
    content.target?.type,
    content.target?.id,
    content.target?.name,
    ...content.targets.flatMap((item) => [item.type, item.id, item.name]),
    content.summary,
    content.reason,
    Object.keys(content.metadata).length > 0 ? JSON.stringify(content.metadata) : null,
    ...(changes ? leaves([changes.before, changes.after], []) : []),
    context?.ip_address,
    context?.user_agent,
    context?.trace_id,
  ];
  return parts
    .filter((part): part is string => typeof part === "string" && part !== "")
    .join(" ")
    .toLowerCase();
}
