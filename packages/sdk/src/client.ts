import type { paths } from "@chronicle/types";
import createClient, { type Client } from "openapi-fetch";
import { Requests } from "./core/requests.js";
import { type BackoffOptions, defaultBackoff } from "./core/retry.js";
import { createTransport, defaultTransportOptions, type FetchLike } from "./core/transport.js";
import { ActionsResource } from "./resources/actions.js";
import { ApiKeysResource } from "./resources/api-keys.js";
import { EventsResource } from "./resources/events.js";
import { HealthResource } from "./resources/health.js";
import { IntegrityResource } from "./resources/integrity.js";
import { ProjectResource } from "./resources/project.js";
import { StreamsResource } from "./resources/streams.js";
import { TargetsResource } from "./resources/targets.js";
import { ViewerTokensResource } from "./resources/viewer-tokens.js";
import { WorkspacesResource } from "./resources/workspaces.js";

/** The API version this SDK was written against (`Chronicle-Version`). */
export const API_VERSION = "2026-11-01";

export interface ChronicleOptions {
  /** An API key (`chr_…`) or a viewer token (`chv_…`), sent as a bearer token. */
  apiKey: string;
  /** Where the API lives, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** A `fetch` to use instead of `globalThis.fetch` (tests, proxies, instrumentation). */
  fetch?: FetchLike;
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** Per attempt, body included; for a stream (export, tail), until it starts. Default 60 000 ms. */
  timeoutMs?: number;
  /** Cap on the time spent on one call across attempts and waits (default 120 000 ms). */
  maxRetryTimeMs?: number;
  /** Backoff between attempts (and between reconnects of a tail). */
  backoff?: BackoffOptions;
  /** `Chronicle-Version` to send (default `API_VERSION`). */
  version?: string;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
}

/**
 * The Chronicle client. Resources mirror the contract; parameters and results are the
 * contract's own objects (snake_case, as on the wire). `raw` is the typed openapi-fetch
 * client underneath, sharing authentication, versioning and retries.
 */
export class Chronicle {
  /** The typed openapi-fetch client: `raw.GET("/v1/events", { params })`. */
  readonly raw: Client<paths>;
  readonly events: EventsResource;
  readonly targets: TargetsResource;
  readonly workspaces: WorkspacesResource;
  readonly actions: ActionsResource;
  readonly project: ProjectResource;
  readonly apiKeys: ApiKeysResource;
  readonly streams: StreamsResource;
  readonly viewerTokens: ViewerTokensResource;
  readonly integrity: IntegrityResource;
  readonly health: HealthResource;

  constructor(options: ChronicleOptions) {
    if (!options.apiKey) throw new TypeError("Chronicle: apiKey is required");
    if (!options.baseUrl) throw new TypeError("Chronicle: baseUrl is required");
    const backoff = options.backoff ?? defaultBackoff;
    const transport = createTransport({
      ...defaultTransportOptions,
      fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
      maxRetries: options.maxRetries ?? defaultTransportOptions.maxRetries,
      timeoutMs: options.timeoutMs ?? defaultTransportOptions.timeoutMs,
      maxRetryTimeMs: options.maxRetryTimeMs ?? defaultTransportOptions.maxRetryTimeMs,
      backoff,
    });
    this.raw = createClient<paths>({
      baseUrl: options.baseUrl,
      fetch: (request) => transport(request),
      headers: {
        ...options.headers,
        Authorization: `Bearer ${options.apiKey}`,
        "Chronicle-Version": options.version ?? API_VERSION,
      },
    });
    const api = new Requests(this.raw, transport, backoff);
    this.events = new EventsResource(api);
    this.targets = new TargetsResource(api);
    this.workspaces = new WorkspacesResource(api);
    this.actions = new ActionsResource(api);
    this.project = new ProjectResource(api);
    this.apiKeys = new ApiKeysResource(api);
    this.streams = new StreamsResource(api);
    this.viewerTokens = new ViewerTokensResource(api);
    this.integrity = new IntegrityResource(api);
    this.health = new HealthResource(api);
  }
}
