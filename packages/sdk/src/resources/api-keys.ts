import { type ClientContext, callInit } from "../core/context.js";
import { ListResult } from "../core/pagination.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import type { ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList } from "../types.js";
import type { ListRequestOptions } from "./events.js";

export class ApiKeysResource {
  constructor(private readonly context: ClientContext) {}

  /** Every key of the project, revoked ones included (`GET /v1/api-keys`). */
  list(options: ListRequestOptions = {}): ListResult<ApiKeyList> {
    return new ListResult<ApiKeyList>(
      (_cursor, signal) =>
        unwrap(
          this.context.raw.GET("/v1/api-keys", callInit(this.context, { ...options, signal })),
        ),
      options,
    );
  }

  /** Creates a key; its secret `key` is in this answer only (`POST /v1/api-keys`). */
  create(key: ApiKeyCreate, options?: RequestOptions): Promise<ApiKeyCreated> {
    return unwrap(
      this.context.raw.POST("/v1/api-keys", { body: key, ...callInit(this.context, options) }),
    );
  }

  /** Revokes a key (`DELETE /v1/api-keys/{api_key_id}`). */
  revoke(apiKeyId: string, options?: RequestOptions): Promise<ApiKey> {
    return unwrap(
      this.context.raw.DELETE("/v1/api-keys/{api_key_id}", {
        params: { path: { api_key_id: apiKeyId } },
        ...callInit(this.context, options),
      }),
    );
  }
}
