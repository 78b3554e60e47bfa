import type { ListResult } from "../core/pagination.js";
import { toQuery } from "../core/query.js";
import type { ListRequestOptions, Requests } from "../core/requests.js";
import type { EventList, ListTargetEventsParams } from "../types.js";

export class TargetsResource {
  constructor(private readonly api: Requests) {}

  /** The history of one object (`GET /v1/targets/{target_type}/{target_id}/events`). */
  list(
    targetType: string,
    targetId: string,
    params: ListTargetEventsParams = {},
    options: ListRequestOptions = {},
  ): ListResult<EventList> {
    const path = { target_type: targetType, target_id: targetId };
    const init = { params: { path, query: toQuery(params) } };
    return this.api.list("/v1/targets/{target_type}/{target_id}/events", init, options);
  }
}
