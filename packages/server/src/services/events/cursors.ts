import { invalidCursor } from "../../domain/errors.js";
import type { Store } from "../../store/types.js";
import { sign, verify } from "../integrity/signing.js";
import { hmacSecret } from "../system/secrets.js";

export interface CursorPayload {
  v: 1;
  /** project id */
  p: string;
  /** endpoint scope: "events", "target" or "workspace" (the ids are in the filter digest) */
  e: string;
  /** filter digest */
  f: string;
  k: "after" | "before";
  s: number;
}

const PURPOSE = "cursor";

export async function encodeCursor(store: Store, payload: CursorPayload): Promise<string> {
  return sign(await hmacSecret(store), PURPOSE, payload);
}

function isPayload(value: unknown): value is CursorPayload {
  const payload = value as CursorPayload | null;
  return (
    typeof payload === "object" &&
    payload !== null &&
    payload.v === 1 &&
    typeof payload.p === "string" &&
    typeof payload.e === "string" &&
    typeof payload.f === "string" &&
    (payload.k === "after" || payload.k === "before") &&
    Number.isSafeInteger(payload.s) &&
    payload.s >= 0
  );
}

/** Throws 400 invalid_cursor unless the cursor verifies and matches project, scope and filters. */
export async function decodeCursor(
  store: Store,
  cursor: string,
  expected: { p: string; e: string; f: string },
): Promise<CursorPayload> {
  if (cursor.length > 512) throw invalidCursor();
  const payload = verify(await hmacSecret(store), PURPOSE, cursor);
  if (!isPayload(payload)) throw invalidCursor();
  if (payload.p !== expected.p || payload.e !== expected.e || payload.f !== expected.f) {
    throw invalidCursor("The cursor belongs to another project, endpoint or set of filters");
  }
  return payload;
}
