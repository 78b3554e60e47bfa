import { type EventStreamOptions, readEventStream } from "./event-stream.js";

/**
 * The live events of a reconnecting SSE stream (`event: event`, `id: <seq>`, data: the
 * Event). Every reconnect resumes after the last seq received, and an event at or below
 * it is never yielded again, whatever the server re-sends.
 */
export async function* tailEvents<E extends { seq: number }>(
  options: EventStreamOptions,
): AsyncGenerator<E, void, undefined> {
  let lastSeq = options.lastEventId !== undefined ? Number(options.lastEventId) : -1;
  if (Number.isNaN(lastSeq)) lastSeq = -1;
  for await (const message of readEventStream(options)) {
    if (message.event !== undefined && message.event !== "event") continue;
    const event = JSON.parse(message.data) as E;
    if (event.seq <= lastSeq) continue;
    lastSeq = event.seq;
    yield event;
  }
}
