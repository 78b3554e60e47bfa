import { createHash, randomBytes } from "node:crypto";
import type { ApiKey, ApiKeyCreate, ApiKeyCreated } from "@chronicle/types";
import { notFound, validationFailed } from "../../domain/errors.js";
import { isScope, SCOPES, type Scope } from "../../domain/scopes.js";
import type { Credential, Page } from "../../domain/types.js";
import {
  insertKey,
  type KeyRow,
  lockKey,
  markKeyRevoked,
  rotateKeySecret,
  selectKeys,
  selectLiveKeyBySecretHash,
  touchKeyLastUsed,
  updateKey,
} from "../../store/keys.js";
import type { Queryable, Store } from "../../store/types.js";
import { cacheInvalidation, transactionInvalidating } from "../system/cache-invalidation.js";
import { databaseNow } from "../system/clock.js";
import { newId } from "../system/ids.js";
import { type RecordAs, recordInTransaction } from "../system/system-events.js";
import { CREDENTIALS_CACHE } from "./credentials-cache.js";
import { VIEWER_TOKEN_PREFIX, verifyViewerToken } from "./viewer-tokens.js";

export const API_KEY_PREFIX = "chr_";
const SECRET_PATTERN = /^chr_[A-Za-z0-9_-]{43}$/;

function toApiKey(row: KeyRow): ApiKey {
  const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);
  return {
    id: row.key_id,
    name: row.name,
    scopes: row.scopes as Scope[],
    prefix: row.prefix,
    created_at: new Date(row.created_at).toISOString(),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
    rate_limit_per_minute: row.rate_limit_per_minute,
    workspace_id: row.workspace_id,
    previous_key_expires_at: iso(row.previous_key_expires_at),
  };
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function newSecret(): { secret: string; prefix: string; secretHash: string } {
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { secret, prefix: secret.slice(0, 8), secretHash: hashSecret(secret) };
}

/** What a new key may be given. */
export type ApiKeyInput = ApiKeyCreate;

/** The operator's bounds on keys (config: CHRONICLE_MAX_KEY_RATE_LIMIT_PER_MINUTE). */
export interface KeyLimits {
  maxRateLimitPerMinute: number;
}

const DEFAULT_KEY_LIMITS: KeyLimits = { maxRateLimitPerMinute: 6_000 };
const PINNED_SCOPES: readonly Scope[] = ["activity:read", "activity:export"];
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400;
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 86_400;

type FieldError = { pointer: string; detail: string; code: string };

function checkName(name: unknown, errors: FieldError[]) {
  if (typeof name !== "string" || name.trim() === "" || name.length > 200) {
    errors.push({ pointer: "/name", detail: "must be 1 to 200 characters", code: "minLength" });
  }
}

function checkRateLimit(value: unknown, limits: KeyLimits, errors: FieldError[]) {
  if (value === undefined || value === null) return;
  if (!Number.isInteger(value) || (value as number) < 1) {
    errors.push({
      pointer: "/rate_limit_per_minute",
      detail: "must be a positive integer",
      code: "minimum",
    });
  } else if ((value as number) > limits.maxRateLimitPerMinute) {
    errors.push({
      pointer: "/rate_limit_per_minute",
      detail: `must be at most ${limits.maxRateLimitPerMinute}, the server's maximum`,
      code: "maximum",
    });
  }
}

function checkInput(input: ApiKeyInput, limits: KeyLimits) {
  const errors: FieldError[] = [];
  checkName(input.name, errors);
  if (!Array.isArray(input.scopes) || input.scopes.length === 0) {
    errors.push({ pointer: "/scopes", detail: "must list at least one scope", code: "minItems" });
  } else {
    input.scopes.forEach((scope, index) => {
      if (!isScope(scope)) {
        errors.push({
          pointer: `/scopes/${index}`,
          detail: `must be one of ${SCOPES.join(", ")}`,
          code: "enum",
        });
      } else if (input.workspace_id !== undefined && !PINNED_SCOPES.includes(scope)) {
        errors.push({
          pointer: `/scopes/${index}`,
          detail: "a key pinned to a workspace may carry activity:read and activity:export only",
          code: "enum",
        });
      }
    });
  }
  if (
    input.workspace_id !== undefined &&
    (typeof input.workspace_id !== "string" ||
      input.workspace_id === "" ||
      input.workspace_id.length > 200)
  ) {
    errors.push({
      pointer: "/workspace_id",
      detail: "must be 1 to 200 characters",
      code: "minLength",
    });
  }
  checkRateLimit(input.rate_limit_per_minute, limits, errors);
  if (errors.length > 0) throw validationFailed(errors);
}

/** Inserts a key in `tx`; the secret is returned here and never stored. */
export async function insertApiKey(
  tx: Queryable,
  projectId: string,
  input: ApiKeyInput,
  limits: KeyLimits = DEFAULT_KEY_LIMITS,
): Promise<ApiKeyCreated> {
  checkInput(input, limits);
  const { secret, prefix, secretHash } = newSecret();
  const row = await insertKey(tx, projectId, {
    keyId: newId("key"),
    name: input.name,
    scopes: [...new Set(input.scopes)],
    prefix,
    secretHash,
    rateLimitPerMinute: input.rate_limit_per_minute ?? null,
    workspaceId: input.workspace_id ?? null,
  });
  if (!row) throw notFound("Project");
  return { ...toApiKey(row), key: secret };
}

export async function createApiKey(
  store: Store,
  projectId: string,
  input: ApiKeyInput,
  options: RecordAs & { limits?: KeyLimits } = {},
): Promise<ApiKeyCreated> {
  const limits = options.limits ?? DEFAULT_KEY_LIMITS;
  checkInput(input, limits);
  return store.transaction(async (tx) => {
    const key = await insertApiKey(tx, projectId, input, limits);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "api_key.created",
      target: { type: "api_key", id: key.id, name: key.name },
      summary: `API key "${key.name}" created`,
      metadata: {
        scopes: key.scopes,
        prefix: key.prefix,
        rate_limit_per_minute: key.rate_limit_per_minute,
        workspace_id: key.workspace_id,
      },
    });
    return key;
  });
}

/** Every key of the project, newest first (a project holds few keys: one page). */
export async function listApiKeys(store: Store, projectId: string): Promise<Page<ApiKey>> {
  const rows = await selectKeys(store, projectId);
  return { data: rows.map(toApiKey), has_more: false, next_cursor: null, prev_cursor: null };
}

export async function revokeApiKey(
  store: Store,
  projectId: string,
  keyId: string,
  options: RecordAs = {},
): Promise<ApiKey> {
  const change = { cache: CREDENTIALS_CACHE, group: projectId };
  return transactionInvalidating(store, change, async (tx) => {
    const current = await lockKey(tx, projectId, keyId);
    if (!current) throw notFound("API key");
    if (current.revoked_at) return toApiKey(current);
    const row = await markKeyRevoked(tx, projectId, keyId);
    const key = toApiKey(row as KeyRow);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "api_key.revoked",
      target: { type: "api_key", id: key.id, name: key.name },
      summary: `API key "${key.name}" revoked`,
    });
    return key;
  });
}

/** The fields of a key that can change. */
export interface ApiKeyChange {
  name?: string;
  rate_limit_per_minute?: number | null;
}

/** The fields that differ, before and after. */
function changesOf(before: Record<string, unknown>, after: Record<string, unknown>) {
  const changed = Object.keys(after).filter((field) => before[field] !== after[field]);
  return {
    before: Object.fromEntries(changed.map((field) => [field, before[field]])),
    after: Object.fromEntries(changed.map((field) => [field, after[field]])),
  };
}

/** Renames a key or sets its own rate limit; recorded as `api_key.updated`. */
export async function updateApiKey(
  store: Store,
  projectId: string,
  keyId: string,
  change: ApiKeyChange,
  options: RecordAs & { limits?: KeyLimits } = {},
): Promise<ApiKey> {
  const errors: FieldError[] = [];
  if (change.name !== undefined) checkName(change.name, errors);
  checkRateLimit(change.rate_limit_per_minute, options.limits ?? DEFAULT_KEY_LIMITS, errors);
  if (errors.length > 0) throw validationFailed(errors);
  const cacheChange = { cache: CREDENTIALS_CACHE, group: projectId };
  return transactionInvalidating(store, cacheChange, async (tx) => {
    const current = await lockKey(tx, projectId, keyId);
    if (!current || current.revoked_at) throw notFound("API key");
    const row = await updateKey(tx, projectId, keyId, {
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.rate_limit_per_minute !== undefined
        ? { rateLimitPerMinute: change.rate_limit_per_minute }
        : {}),
    });
    const key = toApiKey(row as KeyRow);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "api_key.updated",
      target: { type: "api_key", id: key.id, name: key.name },
      summary: `API key "${key.name}" updated`,
      changes: changesOf(
        { name: current.name, rate_limit_per_minute: current.rate_limit_per_minute },
        { name: key.name, rate_limit_per_minute: key.rate_limit_per_minute },
      ),
    });
    return key;
  });
}

/**
 * Gives the key a new secret; the old one keeps working for `overlapSeconds` (default 24 h,
 * at most 7 days), then stops on every replica. Recorded as `api_key.rotated`.
 */
export async function rotateApiKey(
  store: Store,
  projectId: string,
  keyId: string,
  request: { overlap_seconds?: number },
  options: RecordAs = {},
): Promise<ApiKeyCreated> {
  const overlap = request.overlap_seconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) {
    throw validationFailed([
      {
        pointer: "/overlap_seconds",
        detail: `must be an integer from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`,
        code: "maximum",
      },
    ]);
  }
  const cacheChange = { cache: CREDENTIALS_CACHE, group: projectId };
  return transactionInvalidating(store, cacheChange, async (tx) => {
    const current = await lockKey(tx, projectId, keyId);
    if (!current || current.revoked_at) throw notFound("API key");
    const { secret, prefix, secretHash } = newSecret();
    const row = await rotateKeySecret(tx, projectId, keyId, {
      prefix,
      secretHash,
      overlapSeconds: overlap,
    });
    const key = { ...toApiKey(row as KeyRow), key: secret };
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "api_key.rotated",
      target: { type: "api_key", id: key.id, name: key.name },
      summary: `API key "${key.name}" rotated`,
      metadata: {
        prefix: key.prefix,
        previous_prefix: current.prefix,
        overlap_seconds: overlap,
        previous_key_expires_at: key.previous_key_expires_at,
      },
    });
    return key;
  });
}

interface CachedKey {
  credential: Credential;
  /** A previous secret's end of overlap (database clock, ms); undefined for the current one. */
  expiresAt: number | undefined;
  /** When last_used_at was last written (or read), on the database's clock, ms. */
  lastUsedAt: number;
}

/**
 * Resolves a bearer credential: `chr_…` API keys by their hash, `chv_…` viewer tokens by
 * signature and their row. Both are cached in process (services/system/cache-invalidation.ts:
 * a revocation reaches every replica within a second), so a known credential costs no query.
 * last_used_at is written at most once a minute per key and replica, so reads stay reads.
 */
export async function authenticate(store: Store, bearer: string): Promise<Credential | null> {
  if (bearer.startsWith(VIEWER_TOKEN_PREFIX)) return verifyViewerToken(store, bearer);
  if (!SECRET_PATTERN.test(bearer)) return null;
  const secretHash = hashSecret(bearer);
  const keys = cacheInvalidation(store).cache<CachedKey>(CREDENTIALS_CACHE);
  const cached = await keys.get(`key:${secretHash}`, async () => {
    const row = await selectLiveKeyBySecretHash(store, secretHash);
    if (!row) return undefined;
    const credential: Credential = {
      kind: "api_key",
      id: row.key_id,
      projectId: row.project_id,
      scopes: row.scopes as Scope[],
      workspaceId: row.workspace_id,
      name: row.name,
      ...(row.rate_limit_per_minute !== null
        ? { rateLimitPerMinute: row.rate_limit_per_minute }
        : {}),
      secretHash,
    };
    const lastUsedAt = row.last_used_at ? new Date(row.last_used_at).getTime() : 0;
    const expiresAt = row.expires_at ? new Date(row.expires_at).getTime() : undefined;
    return { group: row.project_id, value: { credential, lastUsedAt, expiresAt } };
  });
  if (!cached) return null;
  const now = databaseNow().getTime();
  if (cached.expiresAt !== undefined && cached.expiresAt <= now) {
    keys.delete(`key:${secretHash}`);
    return null;
  }
  if (now - cached.lastUsedAt > 60_000) {
    cached.lastUsedAt = now;
    await touchKeyLastUsed(store, cached.credential.projectId, cached.credential.id);
  }
  return cached.credential;
}
