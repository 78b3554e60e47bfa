import { type ClientContext, callInit } from "../core/context.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import type { ViewerToken, ViewerTokenCreate } from "../types.js";

export class ViewerTokensResource {
  constructor(private readonly context: ClientContext) {}

  /** A short-lived read-only token pinned to one workspace (`POST /v1/viewer-tokens`). */
  create(token: ViewerTokenCreate, options?: RequestOptions): Promise<ViewerToken> {
    return unwrap(
      this.context.raw.POST("/v1/viewer-tokens", {
        body: token,
        ...callInit(this.context, options),
      }),
    );
  }
}
