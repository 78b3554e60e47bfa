export { API_VERSION, Chronicle, type ChronicleOptions } from "./client.js";
export {
  AuthenticationError,
  ChronicleError,
  type ChronicleErrorOptions,
  ConflictError,
  ConnectionError,
  errorFromResponse,
  InvalidCursorError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
} from "./core/errors.js";
export type { CursorPage, Direction, PageItem } from "./core/pagination.js";
export { ListResult } from "./core/pagination.js";
export type { ListRequestOptions } from "./core/requests.js";
export type { BackoffOptions } from "./core/retry.js";
export type { FetchLike, RequestOptions } from "./core/transport.js";
export {
  type Checkpoint,
  CheckpointError,
  type CheckpointOptions,
  sameTree,
  type VerifierKeyString,
  verifyCheckpoint,
} from "./integrity/checkpoint.js";
export { hashEvent } from "./integrity/hash-event.js";
export {
  type ChainFailure,
  type ChainSource,
  type ChainVerification,
  verifyChain,
} from "./integrity/verify-chain.js";
export {
  type CheckpointLike,
  type ConsistencyProofLike,
  type InclusionProofLike,
  verifyConsistency,
  verifyInclusion,
} from "./integrity/verify-proofs.js";
export {
  type CheckpointSource,
  CheckpointWatcher,
  LogForkError,
  type WatcherOptions,
} from "./integrity/watcher.js";
export {
  type BatchSender,
  EventLogger,
  LoggerClosedError,
  type LoggerErrorInfo,
  type LoggerOptions,
  type OverflowPolicy,
  QueueFullError,
} from "./logger/event-logger.js";
export {
  anyOf,
  eventQuery,
  not,
  type QueryGroup,
  type QueryPart,
  type QueryTerms,
} from "./query.js";
export type { ActionsResource } from "./resources/actions.js";
export type { ApiKeysResource } from "./resources/api-keys.js";
export type { EventsResource, ExportOptions, TailOptions } from "./resources/events.js";
export type { HealthResource } from "./resources/health.js";
export type { IntegrityResource } from "./resources/integrity.js";
export type { ProjectResource } from "./resources/project.js";
export type { StreamsResource } from "./resources/streams.js";
export type { TargetsResource } from "./resources/targets.js";
export type { ViewerTokensResource } from "./resources/viewer-tokens.js";
export type { WorkspacesResource } from "./resources/workspaces.js";
export type * from "./types.js";
export {
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookHeaders,
  type WebhookPayload,
  WebhookVerificationError,
} from "./webhooks/verify-webhook.js";
