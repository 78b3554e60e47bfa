import { type ClientContext, callInit } from "../core/context.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import type { ViewerToken, ViewerTokenCreate, ViewerTokenRecord } from "../types.js";

export class ViewerTokensResource {
  constructor(private readonly context: ClientContext) {}

  /**
   * A short-lived read-only token pinned to one workspace (`POST /v1/viewer-tokens`). Keep
   * its `id` to revoke it; it also dies with the key that created it.
   */
  create(token: ViewerTokenCreate, options?: RequestOptions): Promise<ViewerToken> {
    return unwrap(
      this.context.raw.POST("/v1/viewer-tokens", {
        body: token,
        ...callInit(this.context, options),
      }),
    );
  }

  /**
   * Revokes a viewer token (`DELETE /v1/viewer-tokens/{viewer_token_id}`, admin): its
   * requests are refused and its open streams end within seconds. Idempotent.
   */
  revoke(viewerTokenId: string, options?: RequestOptions): Promise<ViewerTokenRecord> {
    return unwrap(
      this.context.raw.DELETE("/v1/viewer-tokens/{viewer_token_id}", {
        params: { path: { viewer_token_id: viewerTokenId } },
        ...callInit(this.context, options),
      }),
    );
  }
}
