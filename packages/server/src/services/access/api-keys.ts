import { createHash, randomBytes } from "node:crypto";
import type { ApiKey, ApiKeyCreated } from "@chronicle/types";
import { notFound, validationFailed } from "../../domain/errors.js";
import { isScope, SCOPES, type Scope } from "../../domain/scopes.js";
import type { Credential, Page } from "../../domain/types.js";
import {
  insertKey,
  type KeyRow,
  lockKey,
  markKeyRevoked,
  selectKeys,
  selectLiveKeyBySecretHash,
  touchKeyLastUsed,
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
  };
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

function checkInput(input: { name: string; scopes: Scope[] }) {
  const errors = [];
  if (typeof input.name !== "string" || input.name.trim() === "" || input.name.length > 200) {
    errors.push({ pointer: "/name", detail: "must be 1 to 200 characters", code: "minLength" });
  }
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
      }
    });
  }
  if (errors.length > 0) throw validationFailed(errors);
}

/** Inserts a key in `tx`; the secret is returned here and never stored. */
export async function insertApiKey(
  tx: Queryable,
  projectId: string,
  input: { name: string; scopes: Scope[] },
): Promise<ApiKeyCreated> {
  checkInput(input);
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const row = await insertKey(tx, projectId, {
    keyId: newId("key"),
    name: input.name,
    scopes: [...new Set(input.scopes)],
    prefix: secret.slice(0, 8),
    secretHash: hashSecret(secret),
  });
  if (!row) throw notFound("Project");
  return { ...toApiKey(row), key: secret };
}

export async function createApiKey(
  store: Store,
  projectId: string,
  input: { name: string; scopes: Scope[] },
  options: RecordAs = {},
): Promise<ApiKeyCreated> {
  checkInput(input);
  return store.transaction(async (tx) => {
    const key = await insertApiKey(tx, projectId, input);
    await recordInTransaction(tx, projectId, options.recordAs, {
      action: "api_key.created",
      target: { type: "api_key", id: key.id, name: key.name },
      summary: `API key "${key.name}" created`,
      metadata: { scopes: key.scopes, prefix: key.prefix },
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

interface CachedKey {
  credential: Credential;
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
      workspaceId: null,
      name: row.name,
    };
    const lastUsedAt = row.last_used_at ? new Date(row.last_used_at).getTime() : 0;
    return { group: row.project_id, value: { credential, lastUsedAt } };
  });
  if (!cached) return null;
  const now = databaseNow().getTime();
  if (now - cached.lastUsedAt > 60_000) {
    cached.lastUsedAt = now;
    await touchKeyLastUsed(store, cached.credential.projectId, cached.credential.id);
  }
  return cached.credential;
}
