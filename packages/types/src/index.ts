/**
 * The Chronicle contract as TypeScript: openapi-typescript's `paths`, `components` and
 * `operations`, short aliases for the schemas, and the bundled OpenAPI document.
 * Everything here is generated from openapi/ by `pnpm generate`.
 */
import bundledDocument from "../generated/openapi.json" with { type: "json" };
import type { components, operations, paths } from "../generated/schema.js";

export type { components, operations, paths };

type Schemas = components["schemas"];

export type Event = Schemas["Event"];
export type EventInput = Schemas["EventInput"];
export type EventList = Schemas["EventList"];
export type EventBatchInput = Schemas["EventBatchInput"];
export type EventBatchResult = Schemas["EventBatchResult"];
export type Actor = Schemas["Actor"];
export type ActorInput = Schemas["ActorInput"];
export type ActorRef = Schemas["ActorRef"];
export type ActorRefInput = Schemas["ActorRefInput"];
export type ActorType = Schemas["ActorType"];
export type ObjectRef = Schemas["ObjectRef"];
export type ObjectRefInput = Schemas["ObjectRefInput"];
export type Changes = Schemas["Changes"];
export type ChangesInput = Schemas["ChangesInput"];
export type Context = Schemas["Context"];
export type ContextInput = Schemas["ContextInput"];
export type Origin = Schemas["Origin"];
export type Action = Schemas["Action"];
export type ActionList = Schemas["ActionList"];
export type ActionDefinition = Schemas["ActionDefinition"];
export type ActionSchema = Schemas["ActionSchema"];
export type ActionSchemaList = Schemas["ActionSchemaList"];
export type CatalogMode = Schemas["CatalogMode"];
export type Outcome = Schemas["Outcome"];
export type IntegrityReport = Schemas["IntegrityReport"];
export type Project = Schemas["Project"];
export type ProjectUpdate = Schemas["ProjectUpdate"];
export type ProjectDeletion = Schemas["ProjectDeletion"];
export type ApiKey = Schemas["ApiKey"];
export type ApiKeyCreate = Schemas["ApiKeyCreate"];
export type ApiKeyCreated = Schemas["ApiKeyCreated"];
export type ApiKeyList = Schemas["ApiKeyList"];
export type ViewerTokenCreate = Schemas["ViewerTokenCreate"];
export type ViewerToken = Schemas["ViewerToken"];
export type ViewerTokenRecord = Schemas["ViewerTokenRecord"];
export type Health = Schemas["Health"];
export type Problem = Schemas["Problem"];
export type ProblemCode = Schemas["ProblemCode"];
export type EventStreamMessage = Schemas["EventStreamMessage"];
export type ProblemError = Schemas["ProblemError"];
export type Scope = Schemas["Scope"];
/** The contract's scopes in its order, for code that lists them (a test holds it to the enum). */
export const SCOPES = [
  "activity:read",
  "activity:write",
  "activity:export",
  "admin",
] as const satisfies readonly Scope[];
export type SignedCheckpoint = Schemas["SignedCheckpoint"];
export type InclusionProof = Schemas["InclusionProof"];
export type ConsistencyProof = Schemas["ConsistencyProof"];

/** Every operationId of the contract. */
export type OperationId = keyof operations;

/** The query parameters of `listEvents`, shared (minus the path scope) by the other lists. */
export type ListEventsQuery = NonNullable<operations["listEvents"]["parameters"]["query"]>;
/** The query parameters of `exportEvents` (`format` plus the list filters). */
export type ExportEventsQuery = operations["exportEvents"]["parameters"]["query"];
/** The query parameters of `streamEvents` (the list filters, no paging). */
export type StreamEventsQuery = NonNullable<operations["streamEvents"]["parameters"]["query"]>;

/**
 * The keys of the `q=` query language and the list filters each one maps to (the table in
 * the contract's `q` parameter; a test holds the two together). The server parses with it
 * and the SDK types its query builder with it.
 */
export const QUERY_KEYS = {
  action: ["action"],
  actor: ["actor_id"],
  actor_type: ["actor_type"],
  on_behalf_of: ["on_behalf_of_id"],
  target_type: ["target_type"],
  target: ["target_id"],
  workspace: ["workspace_id"],
  outcome: ["outcome"],
  correlation: ["correlation_id"],
  changed: ["changed_field"],
  trace: ["trace_id"],
  ip: ["ip_address"],
  created: ["start_time", "end_time"],
} as const satisfies Record<string, readonly (keyof ListEventsQuery)[]>;
/** A key of the `q=` query language. */
export type QueryKey = keyof typeof QUERY_KEYS;

/** The members of an OpenAPI 3.1 document that readers of the bundle rely on. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * The bundled contract (packages/types/generated/openapi.json): one self-contained
 * OpenAPI 3.1 document whose `$ref`s all point into its own `components`.
 */
export const openapiDocument: OpenApiDocument = bundledDocument as OpenApiDocument;
