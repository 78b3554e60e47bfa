import { randomBytes } from "node:crypto";
import { validationFailed } from "../domain/errors.js";
import type { Credential, Scope, ViewerToken, ViewerTokenRequest } from "../domain/types.js";
import type { Store } from "../store/types.js";
import { hmacSecret } from "./settings.js";
import { sign, verify } from "./signing.js";

export const VIEWER_TOKEN_PREFIX = "chv_";
const PURPOSE = "viewer-token";
const DEFAULT_TTL = 3600;
const MAX_TTL = 86_400;

interface TokenPayload {
  v: 1;
  /** token id (rate-limit bucket) */
  i: string;
  p: string;
  w: string;
  s: Scope[];
  /** expiry, Unix seconds */
  x: number;
}

/**
 * A stateless, signed, read-only token pinned to one workspace: nothing is stored, so any
 * replica verifies it with the shared secret and it simply stops working at `expires_at`.
 */
export async function issueViewerToken(
  store: Store,
  projectId: string,
  request: ViewerTokenRequest,
  now: Date = new Date(),
): Promise<ViewerToken> {
  const ttl = request.ttl_seconds ?? DEFAULT_TTL;
  const errors = [];
  if (typeof request.workspace_id !== "string" || request.workspace_id === "") {
    errors.push({ pointer: "/workspace_id", detail: "is required", code: "required" });
  }
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) {
    errors.push({
      pointer: "/ttl_seconds",
      detail: `must be an integer from 1 to ${MAX_TTL}`,
      code: "maximum",
    });
  }
  const extra = (request.scopes ?? []).filter(
    (scope) => scope !== "activity:read" && scope !== "activity:export",
  );
  if (extra.length > 0) {
    errors.push({
      pointer: "/scopes",
      detail: "a viewer token may carry activity:read and activity:export only",
      code: "enum",
    });
  }
  if (errors.length > 0) throw validationFailed(errors);
  const scopes: Scope[] = request.scopes?.includes("activity:export")
    ? ["activity:read", "activity:export"]
    : ["activity:read"];
  const expiry = Math.floor(now.getTime() / 1000) + ttl;
  const payload: TokenPayload = {
    v: 1,
    i: `vtk_${randomBytes(9).toString("base64url")}`,
    p: projectId,
    w: request.workspace_id,
    s: scopes,
    x: expiry,
  };
  return {
    token: `${VIEWER_TOKEN_PREFIX}${sign(await hmacSecret(store), PURPOSE, payload)}`,
    workspace_id: request.workspace_id,
    scopes,
    expires_at: new Date(expiry * 1000).toISOString(),
  };
}

function isPayload(value: unknown): value is TokenPayload {
  const payload = value as TokenPayload | null;
  return (
    typeof payload === "object" &&
    payload !== null &&
    payload.v === 1 &&
    typeof payload.i === "string" &&
    typeof payload.p === "string" &&
    typeof payload.w === "string" &&
    Array.isArray(payload.s) &&
    Number.isSafeInteger(payload.x)
  );
}

/** The token's credential, or null when malformed, tampered with or expired. */
export async function verifyViewerToken(
  store: Store,
  token: string,
  now: Date = new Date(),
): Promise<Credential | null> {
  if (!token.startsWith(VIEWER_TOKEN_PREFIX) || token.length > 2048) return null;
  const payload = verify(await hmacSecret(store), PURPOSE, token.slice(VIEWER_TOKEN_PREFIX.length));
  if (!isPayload(payload) || payload.x * 1000 <= now.getTime()) return null;
  return {
    kind: "viewer_token",
    id: payload.i,
    projectId: payload.p,
    scopes: payload.s.filter((scope) => scope === "activity:read" || scope === "activity:export"),
    workspaceId: payload.w,
    name: null,
  };
}
