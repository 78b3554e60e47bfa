import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The secrets that sign cursors and viewer tokens: `current` signs, every one of `all`
 * verifies, so a secret can be rotated in without invalidating what the previous one
 * signed (docs/security.md, "Secrets").
 */
export interface Keyring {
  current: Buffer;
  all: readonly Buffer[];
}

function keysOf(key: Buffer | Keyring): { current: Buffer; all: readonly Buffer[] } {
  return Buffer.isBuffer(key) ? { current: key, all: [key] } : key;
}

/** `base64url(JSON)` + "." + a truncated HMAC-SHA256 under a purpose-specific label. */
export function sign(key: Buffer | Keyring, purpose: string, payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${mac(keysOf(key).current, purpose, body)}`;
}

/** The payload when the signature verifies under one of the keys, else null. */
export function verify(key: Buffer | Keyring, purpose: string, token: string): unknown {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot !== token.lastIndexOf(".")) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const matches = keysOf(key).all.some((secret) => {
    const expected = Buffer.from(mac(secret, purpose, body));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return null;
  try {
    return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return null;
  }
}

function mac(secret: Buffer, purpose: string, body: string): string {
  return createHmac("sha256", secret)
    .update(`${purpose}\n${body}`)
    .digest("base64url")
    .slice(0, 22);
}
