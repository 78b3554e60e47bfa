/**
 * The services of @chronicle/server: the rules, over a Store. Every function takes the
 * Store first and throws ChronicleError (src/domain/errors.ts) for anything a client did
 * wrong; any other throw is a bug or an unreachable database.
 *
 * Signature changes after the first commit are listed here:
 *   - eventsAfterSeq and exportEvents take an optional last `scope: ListScope` (default
 *     { kind: "events" }) so the workspace feed / target feed can tail or export too.
 *   - migrate(store) resolves to the versions it applied (number[]) instead of void.
 */

export * from "../domain/index.js";
export { migrate, openStore, StoreLockedError } from "../store/index.js";
export type { Store } from "../store/types.js";
// Action catalog (issue 4) -------------------------------------------------------------
// defineAction(store, projectId, action, { description, metadata_schema }) → CatalogAction
//   (422 validation_failed at /metadata_schema when it is not a valid JSON Schema 2020-12)
// listActions(store, projectId) → Page<CatalogAction> (every action, seen or defined)
export { defineAction, listActions } from "./actions.js";

// API keys -----------------------------------------------------------------------------
// createApiKey(store, projectId, { name, scopes }, { recordAs? }) → ApiKeyWithSecret
//   (records `api_key.created` when recordAs is given)
// listApiKeys(store, projectId) → Page<ApiKey> (every key, newest first, has_more false)
// revokeApiKey(store, projectId, keyId, { recordAs? }) → ApiKey (404 for another project's
//   or an unknown id; revoking twice keeps the first revoked_at; records `api_key.revoked`)
// authenticate(store, bearer) → Credential | null: resolves `chr_…` API keys and `chv_…`
//   viewer tokens (null when unknown, revoked, expired or malformed); touches last_used_at
//   at most once a minute per key.
export { authenticate, createApiKey, listApiKeys, revokeApiKey } from "./api-keys.js";
export type { CursorPayload } from "./cursors.js";
// Cursors ------------------------------------------------------------------------------
export { decodeCursor, encodeCursor } from "./cursors.js";
// eventToWire(row) → Event; hashEvent(eventWithoutHash) → hex sha256 of its JCS.
export { eventToWire } from "./event-row.js";
// Events -------------------------------------------------------------------------------
// ingestEvents(store, projectId, inputs, options) → { events, replayed }
//   One transaction for the whole batch. options: { idempotencyKey?, requestHash?,
//   pointerPrefix? (index → "/events/3"; default "" so a single event's errors are
//   "/metadata"), now? }. Same key + same requestHash → the first result, replayed: true;
//   same key + another hash → 409 idempotency_conflict. Metadata over 16 KiB or breaking an
//   action's metadata_schema → 422 validation_failed with pointers.
// requestHash(method, path, body) → the hex SHA-256 to pass as options.requestHash.
// getEvent(store, projectId, eventId) → Event (404 not_found otherwise)
// listEvents(store, projectId, filters, options) → Page<Event> (docs/design.md cursors;
//   400 invalid_cursor). options.scope: { kind: "events" } (default) | target | workspace.
// eventsAfterSeq(store, projectId, filters, afterSeq, limit, scope?) → Event[] in seq asc:
//   the live tail's read (resume from Last-Event-ID = seq).
// exportEvents(store, projectId, filters, scope?) → AsyncGenerator<Event>: seq asc, keyset batches
//   of 1000, bounded by last_seq when the iteration starts; return() stops it at once.
export {
  eventsAfterSeq,
  exportEvents,
  getEvent,
  listEvents,
} from "./events-read.js";
export type { IngestOptions, IngestResult } from "./events-write.js";
export { ingestEvents, requestHash } from "./events-write.js";
export { hashEvent } from "./hash-chain.js";
// Health -------------------------------------------------------------------------------
// pingStore(store) → resolves when the database answers (reject → 503 unavailable)
// pingStoreCached(store, now?) → the same, reusing an outcome younger than one second
export {
  databaseClockOffsetMs,
  databaseNow,
  observeDatabaseTime,
  readDatabaseClock,
} from "./clock.js";
export {
  checkReadiness,
  checkReadinessCached,
  pingStore,
  pingStoreCached,
  type Readiness,
} from "./health.js";
// Ids ----------------------------------------------------------------------------------
// newId(prefix) → `${prefix}_${ULID}`, monotonic within the process (cheap: no CSPRNG per id)
export { newId } from "./ids.js";
// Integrity (issue 4) ------------------------------------------------------------------
// verifyIntegrity(store, projectId, { fromSeq?, toSeq? }) → IntegrityReport
export {
  latestCheckpoint,
  type SignedCheckpoint,
  signLatest,
  signPendingCheckpoints,
  TreeIntegrityError,
  verifierKeys,
} from "./checkpoints.js";
export { MAX_VERIFY_EVENTS, verifyIntegrity } from "./integrity.js";
export { proveConsistency, proveInclusion } from "./proofs.js";
export {
  type CheckpointKeys,
  type SecretsConfig,
  type ServerSecrets,
  installSecrets,
  secretsFrom,
  useSecrets,
} from "./settings.js";
// Live tail notifications ----------------------------------------------------------------
// EVENTS_CHANNEL: the NOTIFY channel ingest signals on; payload `${projectId}:${lastSeq}`.
// parseEventsNotification(payload) → { projectId, lastSeq } | null
export { EVENTS_CHANNEL, parseEventsNotification } from "./notifications.js";
// Projects -----------------------------------------------------------------------------
// createProject(store, { name }) → { project, adminKey } (adminKey.key is the secret, every scope)
// getProject(store, projectId) → Project with counts (404 not_found when missing)
// updateProject(store, projectId, patch, { recordAs? }) → Project; with `recordAs` the
//   change is recorded as a `project.updated` event by that actor, in the same transaction.
export { createProject, getProject, updateProject } from "./projects.js";
// Rate limits --------------------------------------------------------------------------
// hitRateLimit(store, projectId, subject, limitPerMinute, now?) → RateLimitDecision
export { hitRateLimit } from "./rate-limits.js";

// Retention (issue 4) ------------------------------------------------------------------
// purgeExpired(store, now?) → PurgeReport[]: removes events older than each project's
//   retention_days in bulk and records the checkpoint integrity starts from.
export { purgeExpired } from "./retention.js";
// Viewer tokens (issue 4) --------------------------------------------------------------
// issueViewerToken(store, projectId, keyId, request) → ViewerToken (`chv_…`, recorded with
//   the key that minted it; expiry on the database's clock)
// verifyViewerToken(store, token) → Credential | null (also done by authenticate): null when
//   expired, revoked, or its key is revoked
// revokeViewerToken(store, projectId, tokenId, { recordAs? }) → ViewerTokenRecord
export { issueViewerToken, revokeViewerToken, verifyViewerToken } from "./viewer-tokens.js";
// Credentials in use (issue 10) ---------------------------------------------------------
// endedCredentials(store, credentials) → Map<id, "revoked" | "expired"> of those no longer
//   valid: one query for keys, one for viewer tokens (a token dies with its key).
export { type CredentialEnd, endedCredentials } from "./credential-checks.js";
