import { createHash } from "node:crypto";
import type { Event } from "@chronicle/types";
import canonicalize from "canonicalize";

/** hex(SHA-256(UTF-8(JCS(event without "hash")))) — docs/design.md, "Hash chain". */
export function hashEvent(event: Omit<Event, "hash"> | Event): string {
  const { hash: _ignored, ...content } = event as Event;
  const canonical = canonicalize(content);
  if (canonical === undefined) throw new Error("Event cannot be canonicalised");
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}
