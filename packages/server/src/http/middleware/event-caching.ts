import type { Event } from "@chronicle/types";

/**
 * An event never changes, so its hash is a strong validator. A private cache may keep it a
 * day: long enough to spare repeated reads, short enough that a copy does not long outlive
 * the event's removal by retention.
 */
export const EVENT_CACHE_CONTROL = "private, max-age=86400, immutable";

export function eventETag(event: Pick<Event, "hash">): string {
  return `"${event.hash}"`;
}

/** The caching headers of an event read, on the 200 and on the 304 alike. */
export function eventCacheHeaders(event: Pick<Event, "hash">): Record<string, string> {
  return {
    ETag: eventETag(event),
    "Cache-Control": EVENT_CACHE_CONTROL,
    // One credential's cached copy must not answer another's request (a viewer token may
    // not see the event), nor one API version's another's.
    Vary: "Authorization, Chronicle-Version",
  };
}

/** RFC 9110 §13.1.2: `*` or any listed tag matching by weak comparison. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const wanted = header.trim();
  if (wanted === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return wanted
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === opaque);
}
