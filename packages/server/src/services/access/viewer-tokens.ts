import type { ViewerToken, ViewerTokenCreate, ViewerTokenRecord } from "@chronicle/types";
import { notFound, validationFailed } from "../../domain/errors.js";
import type { Scope } from "../../domain/scopes.js";
import type { Credential } from "../../domain/types.js";
import type { Store } from "../../store/types.js";
import {
  deleteLongExpiredViewerTokens,
  insertViewerToken,
  lockViewerToken,
  markViewerTokenRevoked,
  selectLiveViewerToken,
  type ViewerTokenRow,
} from "../../store/viewer-tokens.js";
import { sign, verify } from "../integrity/signing.js";
import { cacheInvalidation, transactionInvalidating } from "../system/cache-invalidation.js";
import { databaseNow } from "../system/clock.js";
import { newId } from "../system/ids.js";
import { hmacSecret } from "../system/secrets.js";
import { type RecordAs, recordInTransaction } from "../system/system-events.js";
import { CREDENTIALS_CACHE } from "./credentials-cache.js";

export const VIEWER_TOKEN_PREFIX = "chv_";
const PURPOSE = "viewer-token";
const MIN_TTL = 60;
const DEFAULT_TTL = 3600;
const MAX_TTL = 86_400;
/** Rows expired for a day are pruned by one issue in this many. */
const PRUNE_EVERY = 100;
let issuesSincePrune = 0;

interface TokenPayload {
  v: 1;
  /** token id: its row in viewer_tokens and its rate-limit bucket */
  i: string;
  p: string;
  w: string;
  s: Scope[];
  /** expiry, Unix seconds (informative: the row's expires_at decides) */
  x: number;
}

function toRecord(row: ViewerTokenRow): ViewerTokenRecord {
  return {
    id: row.token_id,
    key_id: row.key_id,
    workspace_id: row.workspace_id,
    scopes: row.scopes as Scope[],
    created_at: new Date(row.created_at).toISOString(),
    expires_at: new Date(row.expires_at).toISOString(),
    revoked_at: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
  };
}

function checkRequest(request: ViewerTokenCreate): number {
  const ttl = request.ttl_seconds ?? DEFAULT_TTL;
  const errors = [];
  if (typeof request.workspace_id !== "string" || request.workspace_id === "") {
    errors.push({ pointer: "/workspace_id", detail: "is required", code: "required" });
  }
  if (!Number.isInteger(ttl) || ttl < MIN_TTL || ttl > MAX_TTL) {
    errors.push({
      pointer: "/ttl_seconds",
      detail: `must be an integer from ${MIN_TTL} to ${MAX_TTL}`,
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
  return ttl;
}

/**
 * A signed, read-only token pinned to one workspace. It is also recorded with the key that
 * minted it, the hash of the secret the key presented and an expiry from the database's
 * clock, so that revoking the token or its key, or rotating that secret away, refuses it on
 * every replica.
 */
export async function issueViewerToken(
  store: Store,
  minter: Pick<Credential, "projectId" | "id" | "secretHash">,
  request: ViewerTokenCreate,
): Promise<ViewerToken> {
  const { projectId, id: keyId } = minter;
  const ttl = checkRequest(request);
  const scopes: Scope[] = request.scopes?.includes("activity:export")
    ? ["activity:read", "activity:export"]
    : ["activity:read"];
  const tokenId = newId("vtk");
  const row = await insertViewerToken(store, projectId, {
    tokenId,
    keyId,
    mintedWith: minter.secretHash,
    workspaceId: request.workspace_id,
    scopes,
    ttlSeconds: ttl,
  });
  const record = toRecord(row);
  issuesSincePrune += 1;
  if (issuesSincePrune >= PRUNE_EVERY) {
    issuesSincePrune = 0;
    await deleteLongExpiredViewerTokens(store);
  }
  const payload: TokenPayload = {
    v: 1,
    i: tokenId,
    p: projectId,
    w: request.workspace_id,
    s: scopes,
    x: Math.ceil(Date.parse(record.expires_at) / 1000),
  };
  return {
    id: tokenId,
    token: `${VIEWER_TOKEN_PREFIX}${sign(await hmacSecret(store), PURPOSE, payload)}`,
    workspace_id: request.workspace_id,
    scopes,
    expires_at: record.expires_at,
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

/**
 * The token's credential, or null when malformed, tampered with, expired, revoked, minted
 * by a key since revoked or by a secret since rotated away. The signature is checked first
 * (garbage costs no query); then the token's and its key's state, read once and cached in
 * process (revocations and rotations evict it on every replica); expiry is compared with the
 * database's clock as this process knows it. The token is held to its key's own request
 * limit, when the key has one.
 */
export async function verifyViewerToken(store: Store, token: string): Promise<Credential | null> {
  if (!token.startsWith(VIEWER_TOKEN_PREFIX) || token.length > 2048) return null;
  const payload = verify(await hmacSecret(store), PURPOSE, token.slice(VIEWER_TOKEN_PREFIX.length));
  if (!isPayload(payload)) return null;
  const tokens = cacheInvalidation(store).cache<{ expiresAt: number; rateLimit: number | null }>(
    CREDENTIALS_CACHE,
  );
  const cacheKey = `viewer:${payload.p}:${payload.i}`;
  const live = await tokens.get(cacheKey, async () => {
    const row = await selectLiveViewerToken(store, payload.p, payload.i);
    if (!row) return undefined;
    const value = { expiresAt: row.expiresAt.getTime(), rateLimit: row.keyRateLimitPerMinute };
    return { group: payload.p, value };
  });
  if (live === undefined) return null;
  if (live.expiresAt <= databaseNow().getTime()) {
    tokens.delete(cacheKey);
    return null;
  }
  return {
    ...(live.rateLimit !== null ? { rateLimitPerMinute: live.rateLimit } : {}),
    kind: "viewer_token",
    id: payload.i,
    projectId: payload.p,
    scopes: payload.s.filter((scope) => scope === "activity:read" || scope === "activity:export"),
    workspaceId: payload.w,
    name: null,
  };
}

/** Revokes a token (idempotent: a revoked token is returned unchanged); 404 when not this project's. */
export async function revokeViewerToken(
  store: Store,
  projectId: string,
  tokenId: string,
  options: RecordAs = {},
): Promise<ViewerTokenRecord> {
  const change = { cache: CREDENTIALS_CACHE, group: projectId };
  return transactionInvalidating(store, change, async (tx) => {
    const current = await lockViewerToken(tx, projectId, tokenId);
    if (!current) throw notFound("Viewer token");
    if (current.revoked_at) return toRecord(current);
    const row = await markViewerTokenRevoked(tx, projectId, tokenId);
    const record = toRecord(row as ViewerTokenRow);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "viewer_token.revoked",
      target: { type: "viewer_token", id: record.id },
      // Not in the workspace's own feed: an admin's act, like the key events.
      summary: `Viewer token for workspace "${record.workspace_id}" revoked`,
      metadata: { key_id: record.key_id, workspace_id: record.workspace_id },
    });
    return record;
  });
}
