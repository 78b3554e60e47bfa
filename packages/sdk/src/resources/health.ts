import { type ClientContext, callInit } from "../core/context.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import type { Health, Liveness, Readiness } from "../types.js";

export class HealthResource {
  constructor(private readonly context: ClientContext) {}

  /** The server and its database, and the API versions it accepts (`GET /v1/health`, no auth). */
  get(options?: RequestOptions): Promise<Health> {
    return unwrap(this.context.raw.GET("/v1/health", callInit(this.context, options)));
  }

  /** The process is up, database not consulted (`GET /v1/health/live`, no auth). */
  live(options?: RequestOptions): Promise<Liveness> {
    return unwrap(this.context.raw.GET("/v1/health/live", callInit(this.context, options)));
  }

  /**
   * The replica can serve: database reachable and migrated (`GET /v1/health/ready`, no auth).
   * Throws `ServerError` (503 `unavailable`) when not ready, after the client's retries; pass
   * `{ maxRetries: 0 }` to probe once.
   */
  ready(options?: RequestOptions): Promise<Readiness> {
    return unwrap(this.context.raw.GET("/v1/health/ready", callInit(this.context, options)));
  }
}
