import type { ListResult } from "../core/pagination.js";
import type { ListRequestOptions, Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type {
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  ApiKeyList,
  ApiKeyRotate,
  ApiKeyUpdate,
} from "../types.js";

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

  /** Renames a key or sets its own rate limit (`PATCH /v1/api-keys/{api_key_id}`). */
  update(apiKeyId: string, change: ApiKeyUpdate, options?: RequestOptions): Promise<ApiKey> {
    const init = { params: { path: { api_key_id: apiKeyId } }, body: change };
    return this.api.send("patch", "/v1/api-keys/{api_key_id}", init, options);
  }

  /**
   * Gives the key a new secret, in this answer only; the old one keeps working for
   * `overlap_seconds` (default 24 h) (`POST /v1/api-keys/{api_key_id}/rotate`).
   */
  rotate(
    apiKeyId: string,
    rotation: ApiKeyRotate = {},
    options?: RequestOptions,
  ): Promise<ApiKeyCreated> {
    const init = { params: { path: { api_key_id: apiKeyId } }, body: rotation };
    return this.api.send("post", "/v1/api-keys/{api_key_id}/rotate", init, options);
  }

  /** Revokes a key (`DELETE /v1/api-keys/{api_key_id}`). */
  revoke(apiKeyId: string, options?: RequestOptions): Promise<ApiKey> {
    const init = { params: { path: { api_key_id: apiKeyId } } };
    return this.api.send("delete", "/v1/api-keys/{api_key_id}", init, options);
  }
}
