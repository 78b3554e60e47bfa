import type { Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type { Health, Liveness, Readiness } from "../types.js";

export class HealthResource {
  constructor(private readonly api: Requests) {}

  /** The server and its database, and the API versions it accepts (`GET /v1/health`, no auth). */
  get(options?: RequestOptions): Promise<Health> {
    return this.api.get("/v1/health", {}, options);
  }

  /** The process is up, database not consulted (`GET /v1/health/live`, no auth). */
  live(options?: RequestOptions): Promise<Liveness> {
    return this.api.get("/v1/health/live", {}, options);
  }

  /**
   * The replica can serve: database reachable and migrated (`GET /v1/health/ready`, no auth).
   * Throws `ServerError` (503 `unavailable`) when not ready, after the client's retries; pass
   * `{ maxRetries: 0 }` to probe once.
   */
  ready(options?: RequestOptions): Promise<Readiness> {
    return this.api.get("/v1/health/ready", {}, options);
  }
}
