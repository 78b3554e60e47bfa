import type { ListResult } from "../core/pagination.js";
import type { ListRequestOptions, Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import type {
  Stream,
  StreamCreate,
  StreamDelivery,
  StreamDeliveryList,
  StreamList,
  StreamUpdate,
  StreamWithSecret,
} from "../types.js";

/** The path parameters of every operation on one stream. */
const stream = (streamId: string) => ({ path: { stream_id: streamId } });

/** Log streams: push the project's events to a webhook, Splunk HEC or Datadog (admin). */
export class StreamsResource {
  constructor(private readonly api: Requests) {}

  /** Every stream of the project (`GET /v1/streams`). */
  list(options: ListRequestOptions = {}): ListResult<StreamList> {
    return this.api.list("/v1/streams", {}, options);
  }

  /** Creates a stream; a webhook's `secret` is in this answer only (`POST /v1/streams`). */
  create(create: StreamCreate, options?: RequestOptions): Promise<StreamWithSecret> {
    return this.api.send("post", "/v1/streams", { body: create }, options);
  }

  /** One stream with its cursor and delivery state (`GET /v1/streams/{stream_id}`). */
  get(streamId: string, options?: RequestOptions): Promise<Stream> {
    return this.api.get("/v1/streams/{stream_id}", { params: stream(streamId) }, options);
  }

  /** Changes filters, batching, destination or status (`PATCH /v1/streams/{stream_id}`). */
  update(streamId: string, changes: StreamUpdate, options?: RequestOptions): Promise<Stream> {
    const init = { params: stream(streamId), body: changes };
    return this.api.send("patch", "/v1/streams/{stream_id}", init, options);
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
    await this.api.send("delete", "/v1/streams/{stream_id}", { params: stream(streamId) }, options);
  }

  /** A new webhook secret; the old one keeps signing for 24 h (`POST …/rotate-secret`). */
  rotateSecret(streamId: string, options?: RequestOptions): Promise<StreamWithSecret> {
    const init = { params: stream(streamId) };
    return this.api.send("post", "/v1/streams/{stream_id}/rotate-secret", init, options);
  }

  /** Sends one synthetic test event now and returns the attempt (`POST …/test`). */
  test(streamId: string, options?: RequestOptions): Promise<StreamDelivery> {
    return this.api.send(
      "post",
      "/v1/streams/{stream_id}/test",
      { params: stream(streamId) },
      options,
    );
  }

  /** Restarts delivery at `fromSeq` (`POST …/replay`). */
  replay(streamId: string, fromSeq: number, options?: RequestOptions): Promise<Stream> {
    const init = { params: stream(streamId), body: { from_seq: fromSeq } };
    return this.api.send("post", "/v1/streams/{stream_id}/replay", init, options);
  }

  /** The most recent delivery attempts, newest first (`GET …/deliveries`). */
  deliveries(streamId: string, options: ListRequestOptions = {}): ListResult<StreamDeliveryList> {
    return this.api.list(
      "/v1/streams/{stream_id}/deliveries",
      { params: stream(streamId) },
      options,
    );
  }
}
