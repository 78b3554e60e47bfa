import { createHmac } from "node:crypto";
import { getJson } from "./workload.js";

interface Page {
  data: { seq: number }[];
  next_cursor: string | null;
}

const PURPOSES = ["cursor", "cursors", "events-cursor", "cursor:v1", ""];

function mac(secret: Buffer, purpose: string, body: string): string {
  const input = purpose === "" ? body : `${purpose}\n${body}`;
  return createHmac("sha256", secret).update(input).digest("base64url").slice(0, 22);
}

/**
 * Re-signs a real cursor with another position (docs/design.md: base64url(JSON) + "." +
 * truncated HMAC under the configured token secret). The signing scheme is confirmed by
 * reproducing the server's own cursor first; null when it cannot be.
 */
export function repositionCursor(cursor: string, secret: Buffer, seq: number): string | null {
  const [body, signature] = cursor.split(".");
  if (!body || !signature) return null;
  const purpose = PURPOSES.find((candidate) => mac(secret, candidate, body) === signature);
  if (purpose === undefined) return null;
  const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { s: number };
  const moved = Buffer.from(JSON.stringify({ ...payload, s: seq })).toString("base64url");
  return `${moved}.${mac(secret, purpose, moved)}`;
}

/**
 * A cursor `depth` rows into the list at `path` (desc order): re-signed from the first
 * page's cursor when the secret is known, else found by walking 200-row pages.
 */
export async function cursorAtDepth(options: {
  baseUrl: string;
  path: string;
  headers: Record<string, string>;
  secret: Buffer | null;
  depth: number;
}): Promise<{ cursor: string; how: "re-signed" | "walked" }> {
  const separator = options.path.includes("?") ? "&" : "?";
  const first = await getJson<Page>(
    options.baseUrl,
    `${options.path}${separator}limit=200`,
    options.headers,
  );
  const top = first.data[0]?.seq;
  if (!first.next_cursor || top === undefined) throw new Error(`${options.path}: too few rows`);
  if (options.secret) {
    const cursor = repositionCursor(first.next_cursor, options.secret, top - options.depth + 1);
    if (cursor) return { cursor, how: "re-signed" };
  }
  let cursor = first.next_cursor;
  let walked = first.data.length;
  while (walked < options.depth) {
    const limit = Math.min(200, options.depth - walked);
    const page = await getJson<Page>(
      options.baseUrl,
      `${options.path}${separator}limit=${limit}&cursor=${encodeURIComponent(cursor)}`,
      options.headers,
    );
    if (!page.next_cursor) throw new Error(`${options.path}: ran out of rows at ${walked}`);
    walked += page.data.length;
    cursor = page.next_cursor;
  }
  return { cursor, how: "walked" };
}
