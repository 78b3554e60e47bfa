import { type ClientContext, callInit } from "../core/context.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import type { Health } from "../types.js";

export class HealthResource {
  constructor(private readonly context: ClientContext) {}

  /** Liveness and the API versions the server accepts (`GET /v1/health`, no auth). */
  get(options?: RequestOptions): Promise<Health> {
    return unwrap(this.context.raw.GET("/v1/health", callInit(this.context, options)));
  }
}
