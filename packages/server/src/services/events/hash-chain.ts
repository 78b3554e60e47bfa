import { createHash } from "node:crypto";
import type { Event } from "@chronicle/types";
import canonicalize from "canonicalize";

/**
 * Members the Event gained after its first version. Each is hashed only when it is not
 * null, so an event recorded before the member existed (and read back with it as null)
 * hashes as it did when it was chained.
 */
export const LATER_MEMBERS = [
  "outcome",
  "reason",
  "correlation_id",
  "api_version",
  "schema_version",
] as const;

/**
 * hex(SHA-256(UTF-8(JCS(event without "hash" and without null later members)))) —
 * docs/design.md, "Hash chain".
 */
export function hashEvent(event: Omit<Event, "hash"> | Event): string {
  const { hash: _ignored, ...content } = event as Event;
  const hashed: Record<string, unknown> = content;
  for (const member of LATER_MEMBERS) if (hashed[member] === null) delete hashed[member];
  const canonical = canonicalize(hashed);
  if (canonical === undefined) throw new Error("Event cannot be canonicalised");
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}
