import type { Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type { ViewerToken, ViewerTokenCreate, ViewerTokenRecord } from "../types.js";

export class ViewerTokensResource {
  constructor(private readonly api: Requests) {}

  /**
   * A short-lived read-only token pinned to one workspace (`POST /v1/viewer-tokens`). Keep
   * its `id` to revoke it; it also dies with the key that created it.
   */
  create(token: ViewerTokenCreate, options?: RequestOptions): Promise<ViewerToken> {
    return this.api.send("post", "/v1/viewer-tokens", { body: token }, options);
  }

  /**
   * Revokes a viewer token (`DELETE /v1/viewer-tokens/{viewer_token_id}`, admin): its
   * requests are refused and its open streams end within seconds. Idempotent.
   */
  revoke(viewerTokenId: string, options?: RequestOptions): Promise<ViewerTokenRecord> {
    const init = { params: { path: { viewer_token_id: viewerTokenId } } };
    return this.api.send("delete", "/v1/viewer-tokens/{viewer_token_id}", init, options);
  }
}
