import type { HandlerTable } from "../contract/handler-types.js";
import { apiKeyHandlers } from "./api-keys.js";
import { catalogHandlers } from "./catalog.js";
import type { HandlerDeps } from "./deps.js";
import { eventHandlers } from "./events.js";
import { exportHandlers } from "./export.js";
import { feedHandlers } from "./feeds.js";
import { healthHandlers } from "./health.js";
import { integrityHandlers } from "./integrity.js";
import { projectHandlers } from "./project.js";
import { streamHandlers } from "./stream.js";
import { streamsHandlers } from "./streams.js";
import { viewerTokenHandlers } from "./viewer-tokens.js";

export type { HandlerDeps } from "./deps.js";

/** The routes table: operationId → handler, checked complete against the contract's types. */
export function createHandlers(deps: HandlerDeps): HandlerTable {
  return {
    ...eventHandlers(deps),
    ...feedHandlers(deps),
    ...exportHandlers(deps),
    ...streamHandlers(deps),
    ...streamsHandlers(deps),
    ...projectHandlers(deps),
    ...apiKeyHandlers(deps),
    ...catalogHandlers(deps),
    ...viewerTokenHandlers(deps),
    ...healthHandlers(deps),
    ...integrityHandlers(deps),
  };
}
