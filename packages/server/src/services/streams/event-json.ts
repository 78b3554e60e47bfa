import type { Event } from "@chronicle/types";

const serialised = new WeakMap<Event, string>();

/**
 * The event as JSON, serialised once per event object: the batch cutter measures each
 * event's size with it and the destination's body is built from the same text, rather than
 * every event of every delivery being serialised twice on the core that also serves ingest.
 */
export function eventJson(event: Event): string {
  let json = serialised.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    serialised.set(event, json);
  }
  return json;
}
