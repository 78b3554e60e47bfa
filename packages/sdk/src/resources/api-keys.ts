import type { ListResult } from "../core/pagination.js";
import type { ListRequestOptions, Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type { ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList } from "../types.js";

export class ApiKeysResource {
  constructor(private readonly api: Requests) {}

  /** Every key of the project, revoked ones included (`GET /v1/api-keys`). */
  list(options: ListRequestOptions = {}): ListResult<ApiKeyList> {
    return this.api.list("/v1/api-keys", {}, options);
  }

  /** Creates a key; its secret `key` is in this answer only (`POST /v1/api-keys`). */
  create(key: ApiKeyCreate, options?: RequestOptions): Promise<ApiKeyCreated> {
    return this.api.send("post", "/v1/api-keys", { body: key }, options);
  }

  /** Revokes a key (`DELETE /v1/api-keys/{api_key_id}`). */
  revoke(apiKeyId: string, options?: RequestOptions): Promise<ApiKey> {
    const init = { params: { path: { api_key_id: apiKeyId } } };
    return this.api.send("delete", "/v1/api-keys/{api_key_id}", init, options);
  }
}
