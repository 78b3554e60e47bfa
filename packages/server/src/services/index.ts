/**
 * The services of @chronicle/server: the rules, over a Store. Every function takes the Store
 * first and throws ServiceError for anything a client did wrong; any other throw is a bug
 * or an unreachable database.
 */

export * from "../domain/index.js";
export { migrate, openStore, StoreLockedError } from "../store/index.js";
export type { Store } from "../store/types.js";
export { defineAction, listActions } from "./actions.js";
export { authenticate, createApiKey, listApiKeys, revokeApiKey } from "./api-keys.js";
export {
  latestCheckpoint,
  type SignedCheckpoint,
  signLatest,
  signPendingCheckpoints,
  TreeIntegrityError,
  verifierKeys,
} from "./checkpoints.js";
export {
  databaseClockOffsetMs,
  databaseNow,
  observeDatabaseTime,
  readDatabaseClock,
} from "./clock.js";
export { type CredentialEnd, endedCredentials } from "./credential-checks.js";
export type { CursorPayload } from "./cursors.js";
export { decodeCursor, encodeCursor } from "./cursors.js";
export { eventToWire } from "./event-row.js";
export {
  eventsAfterSeq,
  exportEvents,
  getEvent,
  listEvents,
} from "./events-read.js";
export type { IngestOptions, IngestResult } from "./events-write.js";
export { ingestEvents, requestHash } from "./events-write.js";
export { hashEvent } from "./hash-chain.js";
export {
  checkReadiness,
  checkReadinessCached,
  pingStore,
  pingStoreCached,
  type Readiness,
} from "./health.js";
export { newId } from "./ids.js";
export { MAX_VERIFY_EVENTS, verifyIntegrity } from "./integrity.js";
export { EVENTS_CHANNEL, parseEventsNotification } from "./notifications.js";
export { createProject, getProject, updateProject } from "./projects.js";
export { proveConsistency, proveInclusion } from "./proofs.js";
export { hitRateLimit } from "./rate-limits.js";

export { purgeExpired } from "./retention.js";
export {
  type CheckpointKeys,
  installSecrets,
  type SecretsConfig,
  type ServerSecrets,
  secretsFrom,
  useSecrets,
} from "./settings.js";
export { issueViewerToken, revokeViewerToken, verifyViewerToken } from "./viewer-tokens.js";
