import type { ListResult } from "../core/pagination.js";
import { toQuery } from "../core/query.js";
import type { ListRequestOptions, Requests } from "../core/requests.js";
import type { RequestOptions } from "../core/transport.js";
import { EventLogger, type LoggerOptions } from "../logger/event-logger.js";
import { parseCsvRecords, parseCsvRows } from "../streaming/csv.js";
import {
  endOfCsvArray,
  endOfCsvRecord,
  untilCsvEnd,
  untilNdjsonEnd,
} from "../streaming/stream-end.js";
import { tailEvents } from "../streaming/tail.js";
import { parseNdjson } from "../streaming/text-stream.js";
import type {
  Event,
  EventBatchInput,
  EventBatchResult,
  EventInput,
  EventList,
  ExportEventsParams,
  ListEventsParams,
  StreamEventsParams,
} from "../types.js";

export interface ExportOptions extends ListRequestOptions {
  /** CSV only: `"records"` (default) keyed by the header row, or `"arrays"`, header first. */
  rows?: "records" | "arrays";
}

export interface TailOptions {
  /** Resume after this `seq` (the `id:` of the last message you have). */
  lastEventId?: string | number | undefined;
  signal?: AbortSignal | undefined;
  /** Reconnects in a row without receiving an event before giving up (default: no limit). */
  maxReconnects?: number | undefined;
}

export class EventsResource {
  constructor(private readonly api: Requests) {}

  /** Records one event (`POST /v1/events`), with an automatic idempotency key. */
  create(event: EventInput, options?: RequestOptions): Promise<Event> {
    return this.api.send("post", "/v1/events", { body: event }, options);
  }

  /** Records up to 1000 events at once, all or nothing (`POST /v1/events/batch`). */
  batch(batch: EventBatchInput, options?: RequestOptions): Promise<EventBatchResult> {
    return this.api.send("post", "/v1/events/batch", { body: batch }, options);
  }

  /** One event by id (`GET /v1/events/{event_id}`). */
  get(eventId: string, options?: RequestOptions): Promise<Event> {
    return this.api.get(
      "/v1/events/{event_id}",
      { params: { path: { event_id: eventId } } },
      options,
    );
  }

  /** Events matching the filters (`GET /v1/events`): await a page or iterate every event. */
  list(params: ListEventsParams = {}, options: ListRequestOptions = {}): ListResult<EventList> {
    return this.api.list("/v1/events", { params: { query: toQuery(params) } }, options);
  }

  /**
   * Every matching event in `seq` order, streamed (`GET /v1/events/export`): NDJSON as typed
   * events, CSV as rows. Parsed as the bytes arrive, in constant memory; stopping the loop
   * closes the connection. An export the server stops (its credential was revoked or
   * expired) throws an `AuthenticationError` with code `credential_revoked` /
   * `credential_expired` after the rows received.
   */
  export(
    params: ExportEventsParams & { format: "ndjson" },
    options?: ListRequestOptions,
  ): AsyncGenerator<Event, void, undefined>;
  export(
    params: ExportEventsParams & { format: "csv" },
    options: ExportOptions & { rows: "arrays" },
  ): AsyncGenerator<string[], void, undefined>;
  export(
    params: ExportEventsParams & { format: "csv" },
    options?: ExportOptions & { rows?: "records" },
  ): AsyncGenerator<Record<string, string>, void, undefined>;
  async *export(
    params: ExportEventsParams,
    options: ExportOptions = {},
  ): AsyncGenerator<Event | string[] | Record<string, string>, void, undefined> {
    const init = {
      params: { query: toQuery(params) },
      headers: { Accept: params.format === "csv" ? "text/csv" : "application/x-ndjson" },
      parseAs: "stream" as const,
    };
    const stream = await this.api.get("/v1/events/export", init, options);
    if (!stream) return;
    if (params.format === "ndjson") yield* untilNdjsonEnd<Event>(parseNdjson<unknown>(stream));
    else if (options.rows === "arrays") yield* untilCsvEnd(parseCsvRows(stream), endOfCsvArray);
    else yield* untilCsvEnd(parseCsvRecords(stream), endOfCsvRecord);
  }

  /**
   * The live stream of new events (`GET /v1/events/stream`, SSE). Reconnects with
   * `Last-Event-ID` and backoff whenever the connection drops, and never yields an event
   * twice. Runs until the loop breaks, the signal aborts or a non-transient error; a tail
   * whose credential is revoked or expires throws an `AuthenticationError` with code
   * `credential_revoked` / `credential_expired`.
   */
  tail(params: StreamEventsParams = {}, options: TailOptions = {}): AsyncGenerator<Event, void> {
    return tailEvents<Event>({
      lastEventId: options.lastEventId === undefined ? undefined : String(options.lastEventId),
      signal: options.signal,
      maxReconnects: options.maxReconnects,
      backoff: this.api.reconnectBackoff,
      connect: async (lastEventId, signal) => {
        const init = {
          params: {
            query: toQuery(params),
            header: lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId },
          },
          headers: { Accept: "text/event-stream" },
          parseAs: "stream" as const,
        };
        // The tail reconnects by itself; one attempt per connection.
        const stream = await this.api.get("/v1/events/stream", init, { signal, maxRetries: 0 });
        if (!stream) throw new TypeError("event stream response has no body");
        return stream;
      },
    });
  }

  /**
   * A buffered logger: `log()` queues, batches go out through `POST /v1/events/batch` with
   * retries and one idempotency key per batch. See `LoggerOptions` for the overflow policy.
   */
  logger(options: LoggerOptions<EventInput> = {}): EventLogger<EventInput> {
    return new EventLogger<EventInput>(async (events, idempotencyKey) => {
      await this.batch({ events }, { idempotencyKey });
    }, options);
  }
}
