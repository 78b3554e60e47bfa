import { type ClientContext, callInit } from "../core/context.js";
import { ListResult } from "../core/pagination.js";
import { toQuery } from "../core/query.js";
import { unwrap } from "../core/unwrap.js";
import type { EventList, ListWorkspaceEventsParams } from "../types.js";
import type { ListRequestOptions } from "./events.js";

export class WorkspacesResource {
  constructor(private readonly context: ClientContext) {}

  /** One end-customer's feed (`GET /v1/workspaces/{workspace_id}/events`). */
  events(
    workspaceId: string,
    params: ListWorkspaceEventsParams = {},
    options: ListRequestOptions = {},
  ): ListResult<EventList> {
    return new ListResult<EventList>(
      (cursor, signal) =>
        unwrap(
          this.context.raw.GET("/v1/workspaces/{workspace_id}/events", {
            params: {
              path: { workspace_id: workspaceId },
              query: toQuery(cursor ? { ...params, cursor } : params),
            },
            ...callInit(this.context, { ...options, signal }),
          }),
        ),
      options,
    );
  }
}
