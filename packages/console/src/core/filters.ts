import type { ListEventsParams } from "@chronicle/sdk";

/** What the feed can be filtered on: every filter of `GET /v1/events`, plus the order. */
export interface FeedFilters {
  action: string;
  actor_id: string;
  actor_type: string;
  target_type: string;
  target_id: string;
  workspace_id: string;
  changed_field: string;
  search: string;
  start_time: string;
  end_time: string;
  order: "desc" | "asc";
}

export const FILTER_KEYS = [
  "action",
  "actor_id",
  "actor_type",
  "target_type",
  "target_id",
  "workspace_id",
  "changed_field",
  "search",
  "start_time",
  "end_time",
] as const satisfies readonly (keyof FeedFilters)[];

export type FilterKey = (typeof FILTER_KEYS)[number];

export const ACTOR_TYPES = ["user", "agent", "api_key", "system", "service"] as const;

export function emptyFilters(): FeedFilters {
  return {
    action: "",
    actor_id: "",
    actor_type: "",
    target_type: "",
    target_id: "",
    workspace_id: "",
    changed_field: "",
    search: "",
    start_time: "",
    end_time: "",
    order: "desc",
  };
}

/** Filters from a query string (the shareable part of a console URL). */
export function filtersFromSearch(search: string): FeedFilters {
  const params = new URLSearchParams(search);
  const filters = emptyFilters();
  for (const key of FILTER_KEYS) filters[key] = params.get(key) ?? "";
  filters.order = params.get("order") === "asc" ? "asc" : "desc";
  return filters;
}

/** The query string for filters: empty filters and the default order are left out. */
export function filtersToSearch(filters: FeedFilters): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  if (filters.order === "asc") params.set("order", "asc");
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** A datetime-local input value (local time, minutes) as RFC 3339, or undefined. */
function toInstant(value: string): string | undefined {
  if (!value) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** The SDK's list parameters for filters (the same set export and tail take). */
export function filtersToParams(filters: FeedFilters): ListEventsParams {
  const params: ListEventsParams = { order: filters.order };
  if (filters.action) params.action = filters.action;
  if (filters.actor_id) params.actor_id = filters.actor_id;
  if (filters.actor_type) params.actor_type = filters.actor_type as ListEventsParams["actor_type"];
  if (filters.target_type) params.target_type = filters.target_type;
  if (filters.target_id) params.target_id = filters.target_id;
  if (filters.workspace_id) params.workspace_id = filters.workspace_id;
  if (filters.changed_field) params.changed_field = filters.changed_field;
  if (filters.search) params.search = filters.search;
  const start = toInstant(filters.start_time);
  const end = toInstant(filters.end_time);
  if (start) params.start_time = start;
  if (end) params.end_time = end;
  return params;
}
