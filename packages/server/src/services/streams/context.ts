import type { StreamsConfig } from "../../config.js";
import type { Store } from "../../store/types.js";
import { type LookupAll, systemLookupAll } from "./address-guard.js";
import { createAgents, type PostOptions } from "./http-post.js";

/** What the stream service and the delivery worker share. */
export interface StreamsContext {
  store: Store;
  config: StreamsConfig;
  /** DNS resolution used by the SSRF guard (tests inject names that resolve to private ranges). */
  resolveAll: LookupAll;
  agents: PostOptions["agents"];
}

export function createStreamsContext(
  store: Store,
  config: StreamsConfig,
  resolveAll: LookupAll = systemLookupAll,
): StreamsContext {
  return { store, config, resolveAll, agents: createAgents() };
}

export function postOptionsOf(context: StreamsContext): PostOptions {
  return {
    timeoutMs: context.config.timeoutMs,
    allowPrivateNetworks: context.config.allowPrivateNetworks,
    resolveAll: context.resolveAll,
    agents: context.agents,
  };
}
