import type { components } from "@chronicle/types";
import { type ClientContext, callInit } from "../core/context.js";
import { ListResult } from "../core/pagination.js";
import type { RequestOptions } from "../core/transport.js";
import { unwrap } from "../core/unwrap.js";
import type { ListRequestOptions } from "./events.js";

type Schemas = components["schemas"];
export type Stream = Schemas["Stream"];
export type StreamCreate = Schemas["StreamCreate"];
export type StreamUpdate = Schemas["StreamUpdate"];
export type StreamWithSecret = Schemas["StreamWithSecret"];
export type StreamList = Schemas["StreamList"];
export type StreamDelivery = Schemas["StreamDelivery"];
export type StreamDeliveryList = Schemas["StreamDeliveryList"];

/** Log streams: push the project's events to a webhook, Splunk HEC or Datadog (admin). */
export class StreamsResource {
  constructor(private readonly context: ClientContext) {}

  /** Every stream of the project (`GET /v1/streams`). */
  list(options: ListRequestOptions = {}): ListResult<StreamList> {
    return new ListResult<StreamList>(
      (_cursor, signal) =>
        unwrap(this.context.raw.GET("/v1/streams", callInit(this.context, { ...options, signal }))),
      options,
    );
  }

  /** Creates a stream; a webhook's `secret` is in this answer only (`POST /v1/streams`). */
  create(stream: StreamCreate, options?: RequestOptions): Promise<StreamWithSecret> {
    return unwrap(
      this.context.raw.POST("/v1/streams", { body: stream, ...callInit(this.context, options) }),
    );
  }

  /** One stream with its cursor and delivery state (`GET /v1/streams/{stream_id}`). */
  get(streamId: string, options?: RequestOptions): Promise<Stream> {
    return unwrap(
      this.context.raw.GET("/v1/streams/{stream_id}", {
        params: { path: { stream_id: streamId } },
        ...callInit(this.context, options),
      }),
    );
  }

  /** Changes filters, batching, destination or status (`PATCH /v1/streams/{stream_id}`). */
  update(streamId: string, changes: StreamUpdate, options?: RequestOptions): Promise<Stream> {
    return unwrap(
      this.context.raw.PATCH("/v1/streams/{stream_id}", {
        params: { path: { stream_id: streamId } },
        body: changes,
        ...callInit(this.context, options),
      }),
    );
  }

  /** Stops delivery (`status: paused`). */
  pause(streamId: string, options?: RequestOptions): Promise<Stream> {
    return this.update(streamId, { status: "paused" }, options);
  }

  /** Resumes delivery from the cursor (`status: active`). */
  resume(streamId: string, options?: RequestOptions): Promise<Stream> {
    return this.update(streamId, { status: "active" }, options);
  }

  /** Deletes a stream (`DELETE /v1/streams/{stream_id}`). */
  async delete(streamId: string, options?: RequestOptions): Promise<void> {
    await unwrap(
      this.context.raw.DELETE("/v1/streams/{stream_id}", {
        params: { path: { stream_id: streamId } },
        ...callInit(this.context, options),
      }),
    );
  }

  /** A new webhook secret; the old one keeps signing for 24 h (`POST …/rotate-secret`). */
  rotateSecret(streamId: string, options?: RequestOptions): Promise<StreamWithSecret> {
    return unwrap(
      this.context.raw.POST("/v1/streams/{stream_id}/rotate-secret", {
        params: { path: { stream_id: streamId } },
        ...callInit(this.context, options),
      }),
    );
  }

  /** Sends one synthetic test event now and returns the attempt (`POST …/test`). */
  test(streamId: string, options?: RequestOptions): Promise<StreamDelivery> {
    return unwrap(
      this.context.raw.POST("/v1/streams/{stream_id}/test", {
        params: { path: { stream_id: streamId } },
        ...callInit(this.context, options),
      }),
    );
  }

  /** Restarts delivery at `fromSeq` (`POST …/replay`). */
  replay(streamId: string, fromSeq: number, options?: RequestOptions): Promise<Stream> {
    return unwrap(
      this.context.raw.POST("/v1/streams/{stream_id}/replay", {
        params: { path: { stream_id: streamId } },
        body: { from_seq: fromSeq },
        ...callInit(this.context, options),
      }),
    );
  }

  /** The most recent delivery attempts, newest first (`GET …/deliveries`). */
  deliveries(streamId: string, options: ListRequestOptions = {}): ListResult<StreamDeliveryList> {
    return new ListResult<StreamDeliveryList>(
      (_cursor, signal) =>
        unwrap(
          this.context.raw.GET("/v1/streams/{stream_id}/deliveries", {
            params: { path: { stream_id: streamId } },
            ...callInit(this.context, { ...options, signal }),
          }),
        ),
      options,
    );
  }
}
