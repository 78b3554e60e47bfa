/**
 * The services of @chronicle/server: the rules, over a Store. Every function takes the Store
 * first and throws ChronicleError for anything a client did wrong; any other throw is a bug
 * or an unreachable database.
 */

export * from "../domain/index.js";
export { EVENTS_CHANNEL, parseEventsNotification } from "../store/event-notifications.js";
export { migrate, openStore, StoreLockedError } from "../store/index.js";
export type { Store } from "../store/types.js";
export { isDatabaseUnavailable } from "../store/unavailable.js";
export { authenticate, createApiKey, listApiKeys, revokeApiKey } from "./access/api-keys.js";
export { type CredentialEnd, endedCredentials } from "./access/credential-checks.js";
export { createProject, getProject, updateProject } from "./access/projects.js";
export { hitRateLimit } from "./access/rate-limits.js";
export { issueViewerToken, revokeViewerToken, verifyViewerToken } from "./access/viewer-tokens.js";
export { defineAction, listActions } from "./catalog/actions.js";
export type { CursorPayload } from "./events/cursors.js";
export { decodeCursor, encodeCursor } from "./events/cursors.js";
export { eventToWire } from "./events/event-row.js";
export {
  eventsAfterSeq,
  exportEvents,
  getEvent,
  listEvents,
  newestEventSeq,
} from "./events/events-read.js";
export type { IngestOptions, IngestResult } from "./events/events-write.js";
export { ingestEvents, requestHash } from "./events/events-write.js";
export { hashEvent } from "./events/hash-chain.js";
export {
  latestCheckpoint,
  type SignedCheckpoint,
  signLatest,
  signPendingCheckpoints,
  TreeIntegrityError,
  verifierKeys,
} from "./integrity/checkpoints.js";
export { MAX_VERIFY_EVENTS, verifyIntegrity } from "./integrity/integrity.js";
export { proveConsistency, proveInclusion } from "./integrity/proofs.js";
export {
  databaseClockOffsetMs,
  databaseNow,
  observeDatabaseTime,
  readDatabaseClock,
} from "./system/clock.js";
export {
  checkReadiness,
  checkReadinessCached,
  pingStore,
  pingStoreCached,
  type Readiness,
} from "./system/health.js";
export { newId } from "./system/ids.js";
export { purgeExpired } from "./system/retention.js";
export {
  type CheckpointKeys,
  installSecrets,
  type SecretsConfig,
  type ServerSecrets,
  secretsFrom,
  useSecrets,
} from "./system/secrets.js";
