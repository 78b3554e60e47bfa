import { type EventStreamOptions, readEventStream } from "./event-stream.js";
import { streamEndErrorFromText } from "./stream-end.js";

/**
 * The live events of a reconnecting SSE stream (`event: event`, `id: <seq>`, data: the
 * Event). Every reconnect resumes after the last seq received, and an event at or below
 * it is never yielded again, whatever the server re-sends. An `event: error` message (the
 * server ended the stream, e.g. its credential was revoked) is thrown as the error its
 * problem describes, without reconnecting.
 */
export async function* tailEvents<E extends { seq: number }>(
  options: EventStreamOptions,
): AsyncGenerator<E, void, undefined> {
  let lastSeq = options.lastEventId !== undefined ? Number(options.lastEventId) : -1;
  if (Number.isNaN(lastSeq)) lastSeq = -1;
  for await (const message of readEventStream(options)) {
    if (message.event === "error") throw streamEndErrorFromText(message.data);
    if (message.event !== undefined && message.event !== "event") continue;
    const event = JSON.parse(message.data) as E;
    if (event.seq <= lastSeq) continue;
    lastSeq = event.seq;
    yield event;
  }
}
