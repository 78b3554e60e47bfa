import type { components, operations } from "@chronicle/types";

// Names for the contract's own objects: those @chronicle/types names, and the rest here.
export type {
  Action,
  ActionDefinition,
  ActionList,
  ActionSchema,
  ActionSchemaList,
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  ApiKeyList,
  CatalogMode,
  Event,
  EventBatchInput,
  EventBatchResult,
  EventInput,
  EventList,
  Health,
  IntegrityReport,
  Outcome,
  Problem,
  Project,
  ProjectDeletion,
  ProjectUpdate,
  ViewerToken,
  ViewerTokenCreate,
} from "@chronicle/types";

type Schemas = components["schemas"];

export type ViewerTokenRecord = Schemas["ViewerTokenRecord"];
export type SignedCheckpoint = Schemas["SignedCheckpoint"];
export type InclusionProof = Schemas["InclusionProof"];
export type ConsistencyProof = Schemas["ConsistencyProof"];
export type VerifierKey = Schemas["VerifierKey"];
export type VerifierKeyList = Schemas["VerifierKeyList"];
export type Liveness = Schemas["Liveness"];
export type Readiness = Schemas["Readiness"];
export type Stream = Schemas["Stream"];
export type StreamCreate = Schemas["StreamCreate"];
export type StreamUpdate = Schemas["StreamUpdate"];
export type StreamWithSecret = Schemas["StreamWithSecret"];
export type StreamList = Schemas["StreamList"];
export type ApiKeyUpdate = Schemas["ApiKeyUpdate"];
export type ApiKeyRotate = Schemas["ApiKeyRotate"];
export type StreamDelivery = Schemas["StreamDelivery"];
export type StreamDeliveryList = Schemas["StreamDeliveryList"];

type Query<Operation extends keyof operations> = NonNullable<
  operations[Operation]["parameters"]["query"]
>;

/**
 * The contract's `action` filter is an array (`?action=a&action=b`); the SDK also takes a
 * single value, as in `list({ action: "issue.*" })`.
 */
export type ActionFilter<Q> = Q extends { action?: infer A }
  ? Omit<Q, "action"> & {
      action?: A | (NonNullable<A> extends readonly (infer Item)[] ? Item : never);
    }
  : Q;

export type ListEventsParams = ActionFilter<Query<"listEvents">>;
export type ListTargetEventsParams = ActionFilter<Query<"listTargetEvents">>;
export type ListWorkspaceEventsParams = ActionFilter<Query<"listWorkspaceEvents">>;
export type ExportEventsParams = ActionFilter<Query<"exportEvents">>;
export type StreamEventsParams = ActionFilter<Query<"streamEvents">>;
export type VerifyIntegrityParams = Query<"verifyIntegrity">;
