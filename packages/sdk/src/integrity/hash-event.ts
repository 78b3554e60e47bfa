import canonicalize from "canonicalize";

/** The members every hashed event has; the rest is hashed as received. */
export interface ChainedEvent {
  seq: number;
  hash: string;
  prev_hash: string | null;
}

function toHex(buffer: ArrayBuffer): string {
  let hex = "";
  for (const byte of new Uint8Array(buffer)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * Members the Event gained after its first version: each is hashed only when it is not
 * null, so events recorded before it existed verify unchanged.
 */
const LATER_MEMBERS = ["outcome", "reason", "correlation_id", "api_version", "schema_version"];

/**
 * `hex(SHA-256(UTF-8(JCS(event without "hash" and without null later members))))`, the
 * chain hash of docs/design.md, computed with WebCrypto so that it runs in browsers and
 * edge runtimes too.
 */
export async function hashEvent(event: ChainedEvent): Promise<string> {
  const { hash: _hash, ...content } = event;
  const hashed: Record<string, unknown> = content;
  for (const member of LATER_MEMBERS) if (hashed[member] === null) delete hashed[member];
  const canonical = canonicalize(hashed);
  if (canonical === undefined) throw new TypeError("hashEvent: event is not serialisable");
  const digest = await globalThis.crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(canonical),
  );
  return toHex(digest);
}
