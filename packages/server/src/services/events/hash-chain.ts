import { hash as digest } from "node:crypto";
import type { Event } from "@chronicle/types";
import { canonicalJson } from "../../domain/canonical-json.js";

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

const NULL_UNHASHED: ReadonlySet<string> = new Set(LATER_MEMBERS);

/**
 * hex(SHA-256(UTF-8(JCS(event without "hash" and without null later members)))) —
 * docs/design.md, "Hash chain".
 */
export function hashEvent(event: Omit<Event, "hash"> | Event): string {
  // Copied member by member: a rest pattern and `delete` (which leaves a slow dictionary
  // object) made the copy dearer (bench/FINDINGS.md B45).
  const hashed: Record<string, unknown> = {};
  for (const member of Object.keys(event)) {
    const value = (event as Record<string, unknown>)[member];
    if (member === "hash" || (value === null && NULL_UNHASHED.has(member))) continue;
    hashed[member] = value;
  }
  return digest("sha256", canonicalJson(hashed), "hex");
}
