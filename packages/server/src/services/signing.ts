import { createHmac, timingSafeEqual } from "node:crypto";

/** `base64url(JSON)` + "." + a truncated HMAC-SHA256 under a purpose-specific label. */
export function sign(secret: Buffer, purpose: string, payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${mac(secret, purpose, body)}`;
}

/** The payload when the signature verifies, else null. */
export function verify(secret: Buffer, purpose: string, token: string): unknown {
  const dot = token.indexOf(".");
  if (dot <= 0 || dot !== token.lastIndexOf(".")) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, purpose, body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
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
