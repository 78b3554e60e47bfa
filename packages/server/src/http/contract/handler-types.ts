import type { operations } from "@chronicle/types";
import type { Request, Response } from "express";
import type { Store } from "../../services/index.js";
import type { Principal } from "../middleware/principal.js";

/** Every operationId of the contract. */
export type OperationId = keyof operations;

type ParametersOf<K extends OperationId> = operations[K] extends { parameters: infer P }
  ? P
  : never;
type Part<P, Where extends string> = P extends { [W in Where]?: infer V }
  ? [V] extends [never] | [undefined]
    ? Record<string, never>
    : NonNullable<V>
  : Record<string, never>;

export type QueryOf<K extends OperationId> = Part<ParametersOf<K>, "query">;
export type PathOf<K extends OperationId> = Part<ParametersOf<K>, "path">;
export type HeaderOf<K extends OperationId> = Part<ParametersOf<K>, "header">;
export type BodyOf<K extends OperationId> = operations[K] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : undefined;

type ResponsesOf<K extends OperationId> = operations[K] extends { responses: infer R } ? R : never;
/** What a handler returns itself; 304 is the answer to a matching `If-None-Match`. */
type SuccessStatus = 200 | 201 | 202 | 204 | 304;

/** What a handler may answer: a documented success status with its documented body. */
export type HandlerResult<K extends OperationId> = {
  [S in keyof ResponsesOf<K> & SuccessStatus]: {
    status: S;
    body: ResponsesOf<K>[S] extends { content: { "application/json": infer B } } ? B : undefined;
    headers?: Record<string, string>;
  };
}[keyof ResponsesOf<K> & SuccessStatus];

export interface HandlerInput<K extends OperationId> {
  req: Request;
  res: Response;
  requestId: string;
  /**
   * The store for this request: the shared one, or a view of it whose query spans are
   * children of the request's span when the request is traced (telemetry/traced-store.ts).
   * Handlers pass this one to the services, never a store they closed over.
   */
  store: Store;
  /** Absent only on `x-required-scope: none` operations. */
  principal: Principal | undefined;
  path: PathOf<K>;
  query: QueryOf<K>;
  header: HeaderOf<K>;
  body: BodyOf<K>;
}

/** Returns the response, or undefined when it streamed the response itself. */
export type Handler<K extends OperationId> = (
  input: HandlerInput<K>,
) => Promise<HandlerResult<K> | undefined>;

/** The routes table: one handler per operation of the contract, none missing. */
export type HandlerTable = { [K in OperationId]: Handler<K> };
