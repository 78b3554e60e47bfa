import type { Express, NextFunction, Request, Response } from "express";
import { ServiceError } from "../domain/errors.js";
import type { Store } from "../services/index.js";
import { type OpenApiDocument, type Operation, operationsOf } from "./contract/contract.js";
import type { Handler, HandlerTable, OperationId } from "./contract/handler-types.js";
import {
  createValidators,
  type OperationValidator,
  type ValidatedInput,
} from "./contract/validation.js";
import { type Authenticate, authenticateRequest, authorize } from "./middleware/auth.js";
import type { AuthThrottle } from "./middleware/auth-throttle.js";
import { jsonBody } from "./middleware/body.js";
import { declaredPaths, methodNotAllowed } from "./middleware/method-not-allowed.js";
import { tagOperation } from "./middleware/operation-tag.js";
import { malformedPathParameters } from "./middleware/path-encoding.js";
import type { Principal } from "./middleware/principal.js";
import { type ConsumeRateLimit, rateLimit } from "./middleware/rate-limit.js";
import { requestIdOf } from "./middleware/request-id.js";

/** What the contract's routes need besides the contract: its handlers and the access checks. */
export interface OperationRouteParts {
  handlers: HandlerTable;
  authenticate: Authenticate;
  /** The store a request's handler works with (its traced view when the request is traced). */
  storeOf: (res: Response) => Store;
  consumeRateLimit: ConsumeRateLimit;
  /** Failed-authentication throttle per client address; none when absent. */
  authThrottle?: AuthThrottle;
}

function validate(operation: Operation, validator: OperationValidator) {
  return (req: Request, res: Response, next: NextFunction) => {
    const malformed = malformedPathParameters(res, req.params);
    if (malformed.length > 0) {
      throw new ServiceError("invalid_parameter", "The path holds a malformed percent-encoding", {
        errors: malformed,
      });
    }
    const parameters = validator.parameters({
      path: req.params as Record<string, unknown>,
      query: req.query as Record<string, unknown>,
      header: (name) => req.get(name),
    });
    const body = operation.body ? validator.body(req.body) : undefined;
    const input: ValidatedInput = { ...parameters, body };
    res.locals.input = input;
    next();
  };
}

function run<K extends OperationId>(handler: Handler<K>, storeOf: (res: Response) => Store) {
  return async (req: Request, res: Response) => {
    const input = res.locals.input as ValidatedInput;
    const result = await handler({
      req,
      res,
      requestId: requestIdOf(res),
      store: storeOf(res),
      principal: res.locals.principal as Principal | undefined,
      path: input.path as never,
      query: input.query as never,
      header: input.header as never,
      body: input.body as never,
    });
    if (result === undefined) return;
    const { status, body, headers } = result as {
      status: number;
      body: unknown;
      headers?: Record<string, string>;
    };
    for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
    if (body === undefined) res.status(status).end();
    else res.status(status).json(body);
  };
}

/**
 * One route per operation of the document, each going through auth, rate limit, scope check,
 * body parsing and contract validation before its handler; then a 405 for any other method
 * on the operation's path.
 */
export function mountOperations(
  app: Express,
  document: OpenApiDocument,
  parts: OperationRouteParts,
): void {
  const operations = operationsOf(document);
  const validators = createValidators(document, operations);
  for (const path of declaredPaths(operations)) {
    for (const operation of path.operations) {
      const handler = parts.handlers[operation.operationId as OperationId];
      const validator = validators.get(operation.operationId);
      if (!handler || !validator) {
        throw new Error(
          `No handler for ${operation.operationId} (${operation.method} ${operation.path})`,
        );
      }
      app[operation.method](
        operation.expressPath,
        tagOperation(operation.operationId),
        authenticateRequest(operation, parts.authenticate, parts.authThrottle),
        rateLimit(parts.consumeRateLimit),
        authorize(operation),
        ...jsonBody(operation),
        validate(operation, validator),
        run(handler as Handler<OperationId>, parts.storeOf),
      );
    }
    // Any method the path's own routes did not take (HEAD included where there is no GET).
    app.all(path.expressPath, methodNotAllowed(path));
  }
}
