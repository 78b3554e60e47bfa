/**
 * The services of @chronicle/server: the rules, over a Store. Every function takes the Store
 * first and throws ServiceError for anything a client did wrong; any other throw is a bug
 * or an unreachable database. The store itself (openStore, migrate) comes from store/, the
 * domain's types and errors from domain/; the Store type is re-exported here so that http/,
 * which hands the store to the services, names it without importing store/.
 */

export type { Store } from "../store/types.js";
export { isDatabaseUnavailable } from "../store/unavailable.js";
export {
  authenticate,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  updateApiKey,
} from "./access/api-keys.js";
export {
  type CredentialEnd,
  endedCredentials,
  stoppedSecrets,
} from "./access/credential-checks.js";
export {
  createProject,
  getProject,
  requestProjectDeletion,
  restoreProject,
  updateProject,
} from "./access/projects.js";
export { hitRateLimit } from "./access/rate-limits.js";
export { RequestLimiter } from "./access/request-limiter.js";
export { issueViewerToken, revokeViewerToken, verifyViewerToken } from "./access/viewer-tokens.js";
export { defineAction, listActionSchemas, listActions } from "./catalog/actions.js";
export type { CursorPayload } from "./events/cursors.js";
export { decodeCursor, encodeCursor } from "./events/cursors.js";
export {
  exportEvents,
  getEvent,
  listEvents,
  newestEventSeq,
  tailReader,
} from "./events/events-read.js";
export type { IngestResult } from "./events/events-write.js";
export { type Idempotency, ingestEvents, requestHash } from "./events/events-write.js";
export { hashEvent } from "./events/hash-chain.js";
export { installReadLimits } from "./events/read-gate.js";
export {
  latestCheckpoint,
  signLatest,
  TreeIntegrityError,
  verifierKeys,
} from "./integrity/checkpoints.js";
export { MAX_VERIFY_EVENTS, verifyIntegrity } from "./integrity/integrity.js";
export { proveConsistency, proveInclusion } from "./integrity/proofs.js";
export { databaseNow } from "./system/clock.js";
export { checkReadinessCached, pingStoreCached } from "./system/health.js";
export { newId } from "./system/ids.js";
export { maintainEventPartitions } from "./system/partitions.js";
export { countDistinct, purgeDueProjects } from "./system/project-maintenance.js";
export { purgeExpired, removeDetachedPartitions } from "./system/retention.js";
export { installSecrets } from "./system/secrets.js";
export { maintainStorage } from "./system/storage.js";
