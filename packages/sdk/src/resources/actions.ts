import type { ListResult } from "../core/pagination.js";
import type { ListRequestOptions, Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type { Action, ActionDefinition, ActionList, ActionSchemaList } from "../types.js";

export class ActionsResource {
  constructor(private readonly api: Requests) {}

  /** The action catalog with counts (`GET /v1/actions`). */
  list(options: ListRequestOptions = {}): ListResult<ActionList> {
    return this.api.list("/v1/actions", {}, options);
  }

  /** Describes an action and its metadata schema (`PUT /v1/actions/{action}`). */
  define(action: string, definition: ActionDefinition, options?: RequestOptions): Promise<Action> {
    const init = { params: { path: { action } }, body: definition };
    return this.api.send("put", "/v1/actions/{action}", init, options);
  }

  /** Every metadata schema version of an action, newest first (`GET /v1/actions/{action}/schemas`). */
  schemas(action: string, options?: RequestOptions): Promise<ActionSchemaList> {
    const init = { params: { path: { action } } };
    return this.api.get("/v1/actions/{action}/schemas", init, options);
  }
}
