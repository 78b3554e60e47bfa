import { ServiceError } from "../../domain/errors.js";
import type { EventFilters, ListOptions } from "../../domain/index.js";
import type { Principal } from "../middleware/principal.js";

/** The list filters shared by list, feeds, export and stream, as the contract names them. */
export type FilterQuery = EventFilters;

const FILTER_KEYS = [
  "action",
  "actor_id",
  "actor_type",
  "target_type",
  "target_id",
  "workspace_id",
  "outcome",
  "correlation_id",
  "search",
  "start_time",
  "end_time",
  "changed_field",
  "trace_id",
  "ip_address",
  "on_behalf_of_id",
  "include_on_behalf",
  "q",
] as const;

export function filtersOf(query: FilterQuery): EventFilters {
  const filters: EventFilters = {};
  for (const key of FILTER_KEYS) {
    const value = query[key];
    if (value !== undefined) (filters as Record<string, unknown>)[key] = value;
  }
  return filters;
}

export interface PageQuery {
  order?: "asc" | "desc";
  limit?: number;
  cursor?: string;
  include_total?: boolean;
}

export function listOptionsOf(query: PageQuery): ListOptions {
  const options: ListOptions = {};
  if (query.order !== undefined) options.order = query.order;
  if (query.limit !== undefined) options.limit = query.limit;
  if (query.cursor !== undefined) options.cursor = query.cursor;
  if (query.include_total !== undefined) options.includeTotal = query.include_total;
  return options;
}

/**
 * A credential pinned to a workspace (a viewer token, a workspace read key) sees that
 * workspace only: the workspace filter is forced to it, and asking for another is 403.
 */
export function pinWorkspace(principal: Principal, filters: EventFilters): EventFilters {
  if (principal.workspaceId === null) return filters;
  if (filters.workspace_id !== undefined && filters.workspace_id !== principal.workspaceId) {
    throw new ServiceError("forbidden", "This credential is pinned to another workspace");
  }
  return { ...filters, workspace_id: principal.workspaceId };
}
