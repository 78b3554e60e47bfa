import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** What a destination needs to authenticate: a webhook secret, a HEC token, a Datadog key. */
export type Credentials = Record<string, string>;

const VERSION = "v1";

/**
 * AES-256-GCM with the operator's key; the stream's identity is the associated data, so a
 * ciphertext copied onto another stream's row does not decrypt.
 */
export function sealCredentials(key: Buffer, boundTo: string, credentials: Credentials): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(boundTo, "utf8"));
  const sealed = Buffer.concat([
    cipher.update(JSON.stringify(credentials), "utf8"),
    cipher.final(),
  ]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url")}`;
}

export function openCredentials(key: Buffer, boundTo: string, sealed: string): Credentials {
  const [version, payload] = sealed.split(".");
  if (version !== VERSION || !payload) throw new Error("unknown credentials format");
  const raw = Buffer.from(payload, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(boundTo, "utf8"));
  decipher.setAuthTag(raw.subarray(12, 28));
  const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  return JSON.parse(plain.toString("utf8")) as Credentials;
}

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}
