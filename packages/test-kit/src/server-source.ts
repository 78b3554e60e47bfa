// The kit runs the server from its TypeScript source, as the tests always have, so that no
// test needs a build and none runs a stale one. This is the one module that reaches into
// packages/server/src; suites reach the server through the kit.

export type { EventInput } from "@chronicle/types";
export { type Config, loadConfig, type StreamsConfig } from "../../server/src/config.js";
export {
  ActivityGenerator,
  type ActivityOptions,
  type ActivitySizes,
  demoEvents,
  seededRandom,
  userId,
  workspaceId,
} from "../../server/src/demo/events.js";
export { loadBundledDocument, resolveRef } from "../../server/src/http/contract/contract.js";
export { absoluteRefs, CONTRACT_ID } from "../../server/src/http/contract/validation.js";
export {
  closeServer,
  createApp,
  createLogger,
  type Logger,
  listen,
  urlOf,
} from "../../server/src/index.js";
export { readGateOf } from "../../server/src/services/events/read-gate.js";
export {
  countDistinct,
  createProject,
  ingestEvents,
  purgeDueProjects,
  restoreProject,
} from "../../server/src/services/index.js";
export {
  formatCheckpoint,
  generateSignerKey,
  parseSignerKey,
  signNote,
} from "../../server/src/services/integrity/signed-note.js";
export { createStreamsContext, StreamWorker } from "../../server/src/services/streams/index.js";
export { grantAppRole } from "../../server/src/store/app-role.js";
export { migrate, openStore, type Store } from "../../server/src/store/index.js";
export { MIGRATIONS } from "../../server/src/store/migrate.js";
export { setRemovalClock, updateRemovalPolicy } from "../../server/src/store/retention.js";
export type { Queryable } from "../../server/src/store/types.js";

/** The server package's directory (its CLI runs from here). */
export const SERVER_PACKAGE_DIR = new URL("../../server/", import.meta.url);
