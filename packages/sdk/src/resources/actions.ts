import { type ClientContext, callInit } from "../core/context.js";
import { ListResult } from "../core/pagination.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import type { Action, ActionDefinition, ActionList } from "../types.js";
import type { ListRequestOptions } from "./events.js";

export class ActionsResource {
  constructor(private readonly context: ClientContext) {}

  /** The action catalog with counts (`GET /v1/actions`). */
  list(options: ListRequestOptions = {}): ListResult<ActionList> {
    return new ListResult<ActionList>(
      (_cursor, signal) =>
        unwrap(this.context.raw.GET("/v1/actions", callInit(this.context, { ...options, signal }))),
      options,
    );
  }

  /** Describes an action and its metadata schema (`PUT /v1/actions/{action}`). */
  define(action: string, definition: ActionDefinition, options?: RequestOptions): Promise<Action> {
    return unwrap(
      this.context.raw.PUT("/v1/actions/{action}", {
        params: { path: { action } },
        body: definition,
        ...callInit(this.context, options),
      }),
    );
  }
}
