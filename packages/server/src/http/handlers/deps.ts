import type { ActorInput } from "@chronicle/types";
import type { Config } from "../../config.js";
import type { TailHub } from "../../services/events/tail-hub.js";
import type { Store } from "../../services/index.js";
import type { Logger } from "../../telemetry/logger.js";
import type { Metrics } from "../../telemetry/metrics.js";
import type { Principal } from "../middleware/principal.js";
import type { StreamGuard } from "../streaming/stream-guard.js";

/** What every handler module is built from. */
export interface HandlerDeps {
  store: Store;
  config: Config;
  logger: Logger;
  tails: TailHub;
  /** Open tails and exports per credential: the cap, and their end on revocation. */
  streams: StreamGuard;
  /** The Prometheus registry and instruments; a module adds its own to `metrics.registry`. */
  metrics?: Metrics;
}

/** Handlers only run after authentication on scoped operations. */
export function caller(principal: Principal | undefined): Principal {
  if (!principal) throw new Error("handler of a scoped operation reached without a principal");
  return principal;
}

/** The actor recorded when a key changes the project (api_key.created, project.updated…). */
export function actorOf(principal: Principal): ActorInput {
  return principal.name
    ? { type: "api_key", id: principal.id, name: principal.name }
    : { type: "api_key", id: principal.id };
}
