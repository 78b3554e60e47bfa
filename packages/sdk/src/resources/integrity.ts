import { type ClientContext, callInit } from "../core/context.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import {
  type ChainSource,
  type ChainVerification,
  verifyChain,
} from "../integrity/verify-chain.js";
import type { Event, IntegrityReport, VerifyIntegrityParams } from "../types.js";

export class IntegrityResource {
  constructor(private readonly context: ClientContext) {}

  /** Has the server re-compute the hash chain over a seq range (`GET /v1/integrity`). */
  verify(params: VerifyIntegrityParams = {}, options?: RequestOptions): Promise<IntegrityReport> {
    return unwrap(
      this.context.raw.GET("/v1/integrity", {
        params: { query: params },
        ...callInit(this.context, options),
      }),
    );
  }

  /**
   * Verifies events offline with WebCrypto: a page, an array, a list iteration or an
   * export stream. Trusts nothing but the events themselves.
   */
  verifyChain(events: ChainSource<Event>): Promise<ChainVerification> {
    return verifyChain(events);
  }
}
