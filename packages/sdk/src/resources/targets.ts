import { type ClientContext, callInit } from "../core/context.js";
import { ListResult } from "../core/pagination.js";
import { toQuery } from "../core/query.js";
import { unwrap } from "../core/unwrap.js";
import type { EventList, ListTargetEventsParams } from "../types.js";
import type { ListRequestOptions } from "./events.js";

export class TargetsResource {
  constructor(private readonly context: ClientContext) {}

  /** The history of one object (`GET /v1/targets/{target_type}/{target_id}/events`). */
  list(
    targetType: string,
    targetId: string,
    params: ListTargetEventsParams = {},
    options: ListRequestOptions = {},
  ): ListResult<EventList> {
    return new ListResult<EventList>(
      (cursor, signal) =>
        unwrap(
          this.context.raw.GET("/v1/targets/{target_type}/{target_id}/events", {
            params: {
              path: { target_type: targetType, target_id: targetId },
              query: toQuery(cursor ? { ...params, cursor } : params),
            },
            ...callInit(this.context, { ...options, signal }),
          }),
        ),
      options,
    );
  }
}
