import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ServiceError } from "../../domain/errors.js";
import { keepAliveAgents } from "../../services/system/keep-alive-agents.js";
import type { ReplicaSet } from "../../services/system/replica-set.js";
import type { Logger } from "../../telemetry/logger.js";
import { callerContext } from "../../telemetry/request-spans.js";
import { type OpenApiDocument, operationsOf } from "../contract/contract.js";
import { latencyMsSince } from "./access-log.js";
import { credentialOf } from "./auth.js";
import { clientAddress, setRelayedClient } from "./client-address.js";
import { answeredStatus } from "./operation-tag.js";
import { assignRequestId, requestIdOf } from "./request-id.js";

/**
 * Set on a forwarded request: the replica that receives it appends it itself, whatever it
 * thinks of the project's owner, so a request is forwarded at most once. A client that sends
 * it only gets its request handled where it arrived.
 */
export const FORWARDED_HEADER = "chronicle-forwarded-by";

/**
 * The client's address as the relaying replica saw it, and that replica's proof: the owner
 * counts failed authentications against that address only when the proof holds (otherwise
 * every client of a relaying replica would share its address, and one of them could have it
 * throttled for all).
 */
export const FORWARDED_FOR_HEADER = "chronicle-forwarded-for";
export const RELAY_PROOF_HEADER = "chronicle-relay-proof";

/**
 * Headers of one connection, not of the request or the answer (`expect`: this replica has
 * already told the client to continue).
 */
const HOP_BY_HOP = new Set([
  "connection",
  "expect",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
]);

/** A replica on the same network connects in well under this; longer, it is passed over. */
const CONNECT_TIMEOUT_MS = 1_000;

export type ForwardOutcome = "forwarded" | "owner_unreachable" | "failed";

/** The project a credential belongs to; null when it is unknown, revoked or expired. */
export type ProjectOfCredential = (credential: string) => Promise<string | null>;

export interface ForwardAppendsOptions {
  /** The appends' operations by path (`appendPathsOf` the contract). */
  appendPaths: ReadonlyMap<string, string>;
  /** Longest wait for the owner's answer before a 503 (the database statement timeout's). */
  timeoutMs: number;
  /** Counts each forwarding by outcome. */
  count?: (outcome: ForwardOutcome) => void;
  /** A span per relayed request, parent of the owner's (its `traceparent` is sent on). */
  tracer?: Tracer;
  /**
   * An `info` line per request sent to an owner (`relayed`), under the owner's `request_id`,
   * so that the two replicas' lines join; and under this replica's own when it answers
   * itself (the owner failed after the request left).
   */
  logger?: Logger;
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) kept[name] = value;
  }
  return kept;
}

/** The contract's operations that append: a replica forwards only these. */
const APPEND_OPERATIONS = ["createEvent", "createEventBatch"] as const;

/** The contract's appends by path (each a POST to a path without parameters). */
export function appendPathsOf(document: OpenApiDocument): ReadonlyMap<string, string> {
  const paths = new Map<string, string>();
  const operations = operationsOf(document);
  for (const operationId of APPEND_OPERATIONS) {
    const operation = operations.find((o) => o.operationId === operationId);
    if (operation?.method !== "post" || operation.path.includes("{")) {
      throw new Error(`the contract has no ${operationId} that a replica can forward`);
    }
    paths.set(operation.path, operationId);
  }
  return paths;
}

/** The append the request calls, if it calls one. */
function appendOf(req: Request, appendPaths: ReadonlyMap<string, string>): string | undefined {
  if (req.method !== "POST") return undefined;
  const query = req.url.indexOf("?");
  return appendPaths.get(query < 0 ? req.url : req.url.slice(0, query));
}

/**
 * The relay's span, child of the client's `traceparent` when it sent one; `headers` get its
 * own context in place of the client's, so the owner's span is its child.
 */
function relaySpan(
  tracer: Tracer,
  req: Request,
  operation: string,
  target: URL,
  headers: IncomingHttpHeaders,
): Span {
  const span = tracer.startSpan(
    `relay ${operation}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        "http.request.method": req.method,
        "url.path": target.pathname,
        "chronicle.operation": operation,
        "chronicle.relay.owner": target.origin,
      },
    },
    callerContext(req),
  );
  delete headers.traceparent;
  delete headers.tracestate;
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers);
  return span;
}

/**
 * The first middleware of a replica's app: sends an append whose credential names a project
 * another replica owns (ReplicaSet) to that replica, and relays the answer as it comes. Only
 * the credential is looked at here (from the key cache), so a replica relays an append for
 * less CPU than appending it would cost (bench/FINDINGS.md B46); the owner authenticates,
 * limits and validates the request as if the client had called it, and answers it in its
 * own name (its Request-Id, its metrics, its access log; this replica logs the hop as
 * `relayed` under the same request id). A request without a usable credential goes down
 * this replica's own middleware, which answers it. Before anything is sent (the owner
 * refused the connection) the request is appended here and the owner passed over for a
 * while; once the request has left, a failure is a 503 with Retry-After, since the owner
 * may have appended it (a retry with the same Idempotency-Key is then answered with what
 * was appended).
 */
export function forwardAppends(
  replicas: ReplicaSet,
  projectOf: ProjectOfCredential,
  options: ForwardAppendsOptions,
): RequestHandler {
  // An idle connection goes a second before the owner's keep-alive timeout, not as the owner
  // closes it (a request sent just then would be reset after it left: a 503).
  const agents = keepAliveAgents(256, options.timeoutMs);
  // Below `info` nothing would be written: no fields built per relayed request.
  const logger = options.logger?.isLevelEnabled?.("info") === false ? undefined : options.logger;
  return async (req: Request, res: Response, next: NextFunction) => {
    const relayedBy = req.headers[FORWARDED_HEADER];
    if (relayedBy !== undefined) {
      const client = req.headers[FORWARDED_FOR_HEADER];
      const proof = req.headers[RELAY_PROOF_HEADER];
      if (
        typeof relayedBy === "string" &&
        typeof proof === "string" &&
        replicas.relayedBy(relayedBy, proof)
      ) {
        setRelayedClient(req, relayedBy, typeof client === "string" ? client : "");
      }
      return next();
    }
    const operation = appendOf(req, options.appendPaths);
    if (operation === undefined) return next();
    let projectId: string | null;
    try {
      projectId = await projectOf(credentialOf(req));
    } catch {
      return next();
    }
    if (projectId === null) return next();
    const owner = replicas.ownerOf(projectId);
    if (owner === replicas.self) return next();
    const target = new URL(req.originalUrl, owner);
    const secure = target.protocol === "https:";
    const headers: IncomingHttpHeaders = {
      ...withoutHopByHop(req.headers),
      [FORWARDED_HEADER]: replicas.self,
      [FORWARDED_FOR_HEADER]: clientAddress(req),
      [RELAY_PROOF_HEADER]: replicas.relayProof,
    };
    const span = options.tracer
      ? relaySpan(options.tracer, req, operation, target, headers)
      : undefined;
    const started = process.hrtime.bigint();
    let outcome: ForwardOutcome | undefined;
    let ownerRequestId: string | undefined;
    /** Counts the outcome; the span ends here only if the request goes on in this replica. */
    const settle = (settled: ForwardOutcome) => {
      outcome = settled;
      options.count?.(settled);
      span?.setAttribute("chronicle.relay.outcome", settled);
      if (settled === "failed") span?.setStatus({ code: SpanStatusCode.ERROR });
      if (settled === "owner_unreachable") span?.end();
    };
    const outgoing = (secure ? httpsRequest : httpRequest)(target, {
      method: req.method,
      headers,
      agent: secure ? agents.https : agents.http,
      timeout: options.timeoutMs,
    });
    let sent = false;
    let done = false;
    const send = () => {
      if (sent || done) return;
      sent = true;
      req.pipe(outgoing);
    };
    outgoing.once("socket", (socket) => {
      if (!socket.connecting) return send();
      const slow = setTimeout(
        () => outgoing.destroy(new Error("no connection to the owning replica")),
        CONNECT_TIMEOUT_MS,
      );
      socket.once("connect", () => {
        clearTimeout(slow);
        send();
      });
      socket.once("close", () => clearTimeout(slow));
    });
    outgoing.once("timeout", () =>
      outgoing.destroy(new Error("the owning replica did not answer")),
    );
    outgoing.once("response", (incoming) => {
      done = true;
      const ownerId = incoming.headers["request-id"];
      ownerRequestId = typeof ownerId === "string" ? ownerId : undefined;
      settle("forwarded");
      res.writeHead(incoming.statusCode ?? 502, withoutHopByHop(incoming.headers));
      incoming.pipe(res);
      incoming.once("error", () => res.destroy());
    });
    outgoing.once("error", (error) => {
      if (done) return;
      done = true;
      if (!sent) {
        // Nothing of the request left: it is appended here.
        replicas.markDown(owner);
        settle("owner_unreachable");
        return next();
      }
      settle("failed");
      if (res.headersSent) return res.destroy();
      // Answered by this replica (its error handler), under an id of its own.
      assignRequestId(res);
      next(
        new ServiceError(
          "unavailable",
          `The replica appending this project's events failed to answer (${error.message}); retry`,
          { headers: { "Retry-After": "1" } },
        ),
      );
    });
    res.once("close", () => {
      // Appended here after all: this replica's access log has its line.
      if (outcome === "owner_unreachable") return;
      if (!done) {
        // The client went away before the answer: the owner's request goes too.
        done = true;
        outgoing.destroy();
      }
      const aborted = !res.writableFinished;
      const status = answeredStatus(res);
      if (span) {
        if (status !== null) {
          span.setAttribute("http.response.status_code", status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        }
        if (aborted) span.setAttribute("chronicle.aborted", true);
        span.end();
      }
      logger?.info("relayed", {
        request_id: ownerRequestId ?? requestIdOf(res),
        method: req.method,
        path: req.path,
        operation_id: operation,
        project_id: projectId,
        client_address: clientAddress(req),
        relayed_to: owner,
        outcome: outcome ?? null,
        status,
        latency_ms: latencyMsSince(started),
        ...(aborted ? { aborted: true } : {}),
      });
    });
  };
}
