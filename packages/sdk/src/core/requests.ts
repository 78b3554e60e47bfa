import type { paths } from "@chronicle/types";
import type { Client, FetchResponse, MaybeOptionalInit } from "openapi-fetch";
import { type CursorPage, ListResult } from "./pagination.js";
import type { BackoffOptions } from "./retry.js";
import type { RequestOptions, Transport } from "./transport.js";
import { unwrap } from "./unwrap.js";

type Method = "get" | "post" | "put" | "patch" | "delete";
type WriteMethod = Exclude<Method, "get">;

/** The contract's paths that have an operation for `M`. */
export type PathWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: object } ? P : never;
}[keyof paths];

/** openapi-fetch's init of one operation: `params` (path, query, header), `body`, `parseAs`. */
export type InitOf<M extends Method, P extends PathWith<M>> = NonNullable<
  MaybeOptionalInit<paths[P], M>
>;

/** What a successful answer of the operation parses to under `I`. */
export type DataOf<M extends Method, P extends PathWith<M>, I> = NonNullable<
  FetchResponse<paths[P][M] & Record<string | number, unknown>, I, `${string}/${string}`>["data"]
>;

/** Per-call overrides of a list: every page is fetched with them. */
export interface ListRequestOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
}

type AnyInit = { params?: { query?: Record<string, unknown> }; [key: string]: unknown };
type AnyRequest = (method: string, path: string, init: AnyInit) => Promise<never>;

/**
 * The requests every resource is made of, over the typed openapi-fetch client: each call
 * goes through the transport with the caller's overrides and answers with the operation's
 * data or throws the matching `ChronicleError`. Paths, params and bodies are checked against
 * the contract at the call site.
 */
export class Requests {
  constructor(
    /** The typed client underneath (`Chronicle.raw`). */
    readonly raw: Client<paths>,
    readonly transport: Transport,
    /** Backoff between reconnects of a live tail. */
    readonly reconnectBackoff: BackoffOptions,
  ) {}

  get<P extends PathWith<"get">, I extends InitOf<"get", P>>(
    path: P,
    init: I,
    options?: RequestOptions,
  ): Promise<DataOf<"get", P, I>> {
    return this.#request("get", path, init, options);
  }

  /** A write (`post`, `put`, `patch`, `delete`). */
  send<M extends WriteMethod, P extends PathWith<M>, I extends InitOf<M, P>>(
    method: M,
    path: P,
    init: I,
    options?: RequestOptions,
  ): Promise<DataOf<M, P, I>> {
    return this.#request(method, path, init, options);
  }

  /**
   * A list operation as a `ListResult`: the first page is `init` as given, each further
   * page the same query with the `cursor` the previous page handed back.
   */
  list<P extends PathWith<"get">, I extends InitOf<"get", P>>(
    path: P,
    init: I,
    options: ListRequestOptions = {},
  ): ListResult<DataOf<"get", P, I> & CursorPage> {
    return new ListResult((cursor, signal) => {
      const page = cursor === undefined ? init : withCursor(init as AnyInit, cursor);
      return this.#request("get", path, page, { ...options, signal });
    }, options);
  }

  // The one untyped step: the public methods above check path, init and answer against
  // the contract; openapi-fetch's own overloads cannot be called with a generic path.
  #request(method: Method, path: string, init: object, options: RequestOptions = {}) {
    const request = this.raw.request as unknown as AnyRequest;
    return unwrap(
      request(method, path, {
        ...init,
        signal: options.signal,
        fetch: (request: Request) => this.transport(request, options),
      }),
    );
  }
}

function withCursor(init: AnyInit, cursor: string): AnyInit {
  return { ...init, params: { ...init.params, query: { ...init.params?.query, cursor } } };
}
