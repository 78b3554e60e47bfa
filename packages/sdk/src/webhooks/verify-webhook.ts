/**
 * Verifies a Chronicle log stream webhook as the Standard Webhooks specification defines it
 * (https://www.standardwebhooks.com): `webhook-signature` holds one or more space-separated
 * `v1,<base64 HMAC-SHA256>` over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the
 * base64 bytes after `whsec_`. WebCrypto only, so it runs in Node, browsers, Deno, Bun and
 * edge runtimes.
 */
import { fromBase64, toBase64 } from "../core/base64.js";

/** The signature, the timestamp or the headers are wrong: reject the request (400/401). */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
}

export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** The current time (tests). */
  now?: Date;
}

/** What a Chronicle stream webhook carries. */
export interface WebhookPayload<E = unknown> {
  type: "chronicle.events" | "chronicle.stream.test";
  timestamp: string;
  data: { stream_id: string; events: E[] };
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

/** Compares without stopping at the first difference. */
function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * Checks a webhook's signature and timestamp and returns its parsed payload; throws
 * `WebhookVerificationError` otherwise. Pass the body exactly as received (the raw text or
 * bytes, before any JSON parsing). Deduplicate on `webhook-id`: a retried batch keeps it.
 */
export async function verifyWebhook<E = unknown>(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyWebhookOptions = {},
): Promise<WebhookPayload<E>> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError(
      "Missing webhook-id, webhook-timestamp or webhook-signature",
    );
  }
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError("Invalid webhook-timestamp");
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - seconds) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError("webhook-timestamp is too far from now");
  }
  let key: Uint8Array;
  try {
    key = fromBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  } catch {
    throw new WebhookVerificationError("The secret is not a whsec_ base64 secret");
  }
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  const hmac = await crypto.subtle.importKey(
    "raw",
    key as BufferSource,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signed = new Uint8Array(
    await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`${id}.${timestamp}.${text}`)),
  );
  const expected = toBase64(signed);
  const matches = signatures
    .split(" ")
    .map((entry) => entry.split(","))
    .some(
      ([version, signature]) => version === "v1" && equalInConstantTime(signature ?? "", expected),
    );
  if (!matches) throw new WebhookVerificationError("No matching signature");
  try {
    return JSON.parse(text) as WebhookPayload<E>;
  } catch {
    throw new WebhookVerificationError("The body is not JSON");
  }
}
