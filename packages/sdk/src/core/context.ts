import type { paths } from "@chronicle/types";
import type { Client } from "openapi-fetch";
import type { BackoffOptions } from "./retry.js";
import type { RequestOptions, Transport } from "./transport.js";

/** What every resource needs: the typed client and the transport under it. */
export interface ClientContext {
  raw: Client<paths>;
  transport: Transport;
  /** Backoff between reconnects of a live tail. */
  reconnectBackoff: BackoffOptions;
}

/**
 * The openapi-fetch init members that route one call through the transport with the
 * caller's overrides (signal, timeout, retries, idempotency key, headers).
 */
export function callInit(context: ClientContext, options: RequestOptions = {}) {
  return {
    signal: options.signal,
    fetch: (request: Request) => context.transport(request, options),
  };
}
