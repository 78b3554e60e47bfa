import type { ListResult } from "../core/pagination.js";
import { toQuery } from "../core/query.js";
import type { ListRequestOptions, Requests } from "../core/requests.js";
import type { EventList, ListWorkspaceEventsParams } from "../types.js";

export class WorkspacesResource {
  constructor(private readonly api: Requests) {}

  /** One end-customer's feed (`GET /v1/workspaces/{workspace_id}/events`). */
  events(
    workspaceId: string,
    params: ListWorkspaceEventsParams = {},
    options: ListRequestOptions = {},
  ): ListResult<EventList> {
    const init = { params: { path: { workspace_id: workspaceId }, query: toQuery(params) } };
    return this.api.list("/v1/workspaces/{workspace_id}/events", init, options);
  }
}
