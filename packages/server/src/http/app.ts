import type { Server } from "node:http";
import type { Tracer } from "@opentelemetry/api";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "../telemetry/logger.js";
import { httpMetrics, type Metrics } from "../telemetry/metrics.js";
import { metricsRoute } from "../telemetry/metrics-endpoint.js";
import { requestSpans } from "../telemetry/request-spans.js";
import {
  loadBundledDocument,
  type OpenApiDocument,
  type Operation,
  operationsOf,
} from "./contract/contract.js";
import type { Handler, HandlerTable, OperationId } from "./contract/handler-types.js";
import { HttpProblem } from "./contract/problem.js";
import {
  createValidators,
  type OperationValidator,
  type ValidatedInput,
} from "./contract/validation.js";
import { accessLog } from "./middleware/access-log.js";
import { type Authenticate, authenticateRequest, authorize } from "./middleware/auth.js";
import type { AuthThrottle } from "./middleware/auth-throttle.js";
import { jsonBody } from "./middleware/body.js";
import { compressResponses } from "./middleware/compression.js";
import { cors } from "./middleware/cors.js";
import { errorHandler, notFound } from "./middleware/error-handler.js";
import { declaredPaths, methodNotAllowed } from "./middleware/method-not-allowed.js";
import { tagOperation } from "./middleware/operation-tag.js";
import { malformedPathParameters, tolerateMalformedPath } from "./middleware/path-encoding.js";
import type { Principal } from "./middleware/principal.js";
import { type ConsumeRateLimit, rateLimit } from "./middleware/rate-limit.js";
import { requestId, requestIdOf } from "./middleware/request-id.js";
import { apiVersion } from "./middleware/version.js";
import { consoleRouter } from "./pages/console.js";
import { defaultSiteDir, docsRouter } from "./pages/docs-page.js";

export interface HttpDependencies {
  handlers: HandlerTable;
  authenticate: Authenticate;
  consumeRateLimit: ConsumeRateLimit;
  /** Failed-authentication throttle per client address; none when absent. */
  authThrottle?: AuthThrottle;
  /** Express `trust proxy` (which X-Forwarded-For hops name the client); default false. */
  trustProxy?: boolean | number | string;
  logger: Logger;
  document?: OpenApiDocument;
  /** The docs site served at /docs (`pnpm docs:build`); found by `defaultSiteDir` when absent. */
  siteDir?: string;
  /** Metrics (and `/metrics` behind a token when one is given) and request spans. */
  observability?: { metrics?: Metrics; metricsToken?: string; tracer?: Tracer };
}

function validate(operation: Operation, validator: OperationValidator) {
  return (req: Request, res: Response, next: NextFunction) => {
    const malformed = malformedPathParameters(res, req.params);
    if (malformed.length > 0) {
      throw new HttpProblem("invalid_parameter", "The path holds a malformed percent-encoding", {
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

function run<K extends OperationId>(handler: Handler<K>) {
  return async (req: Request, res: Response) => {
    const input = res.locals.input as ValidatedInput;
    const result = await handler({
      req,
      res,
      requestId: requestIdOf(res),
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
 * The Express app for the v1 contract: one route per operation of the bundled document,
 * each going through auth, rate limit, scope check, body parsing and contract validation
 * before its handler. It never listens; the CLI does.
 */
export function buildHttpApp(deps: HttpDependencies): Express {
  const document = deps.document ?? loadBundledDocument();
  const operations = operationsOf(document);
  const validators = createValidators(document, operations);

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.set("trust proxy", deps.trustProxy ?? false);
  app.use(requestId);
  const { metrics, metricsToken, tracer } = deps.observability ?? {};
  if (tracer) app.use(requestSpans(tracer));
  if (metrics) app.use(httpMetrics(metrics));
  app.use(accessLog(deps.logger));
  if (metrics && metricsToken) app.use(metricsRoute(metrics.registry, metricsToken));
  app.use(compressResponses());
  app.use(tolerateMalformedPath);
  app.use(cors);
  app.use(docsRouter(document, deps.siteDir ?? defaultSiteDir()));
  app.use(consoleRouter());
  app.use(apiVersion);

  for (const path of declaredPaths(operations)) {
    for (const operation of path.operations) {
      const handler = deps.handlers[operation.operationId as OperationId];
      const validator = validators.get(operation.operationId);
      if (!handler || !validator) {
        throw new Error(
          `No handler for ${operation.operationId} (${operation.method} ${operation.path})`,
        );
      }
      app[operation.method](
        operation.expressPath,
        tagOperation(operation.operationId),
        authenticateRequest(operation, deps.authenticate, deps.authThrottle),
        rateLimit(deps.consumeRateLimit),
        authorize(operation),
        ...jsonBody(operation),
        validate(operation, validator),
        run(handler as Handler<OperationId>),
      );
    }
    // Any method the path's own routes did not take (HEAD included where there is no GET).
    app.all(path.expressPath, methodNotAllowed(path));
  }

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

/** Closes the server, ending idle keep-alive and streaming connections too. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
