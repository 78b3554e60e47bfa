import type { HandlerTable } from "../contract/handler-types.js";
import { actionHandlers } from "./actions.js";
import { apiKeyHandlers } from "./api-keys.js";
import type { HandlerDeps } from "./deps.js";
import { eventHandlers } from "./events.js";
import { eventExportHandlers } from "./events-export.js";
import { eventStreamHandlers } from "./events-stream.js";
import { feedHandlers } from "./feeds.js";
import { healthHandlers } from "./health.js";
import { integrityHandlers } from "./integrity.js";
import { projectHandlers } from "./project.js";
import { streamsHandlers } from "./streams.js";
import { viewerTokenHandlers } from "./viewer-tokens.js";

export type { HandlerDeps } from "./deps.js";

/** The routes table: operationId → handler, checked complete against the contract's types. */
export function createHandlers(deps: HandlerDeps): HandlerTable {
  return {
    ...eventHandlers(deps),
    ...feedHandlers(deps),
    ...eventExportHandlers(deps),
    ...eventStreamHandlers(deps),
    ...streamsHandlers(deps),
    ...projectHandlers(deps),
    ...apiKeyHandlers(deps),
    ...actionHandlers(deps),
    ...viewerTokenHandlers(deps),
    ...healthHandlers(deps),
    ...integrityHandlers(deps),
  };
}
