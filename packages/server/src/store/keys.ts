import type { Queryable } from "./types.js";

/** An API key as stored; the secret itself never is, only its hash. */
export interface KeyRow {
  key_id: string;
  name: string;
  scopes: string[];
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  rate_limit_per_minute: number | null;
  workspace_id: string | null;
  /** When the secret replaced by the last rotation stops working (null: already stopped). */
  previous_key_expires_at: Date | null;
}

/** What authenticating a live key reads. */
export interface LiveKeyRow {
  project_id: string;
  key_id: string;
  name: string;
  scopes: string[];
  last_used_at: Date | null;
  rate_limit_per_minute: number | null;
  workspace_id: string | null;
  /** Set when the secret given is the previous one (still in its overlap): when it stops. */
  expires_at: Date | null;
}

export interface NewKey {
  keyId: string;
  name: string;
  scopes: readonly string[];
  prefix: string;
  secretHash: string;
  rateLimitPerMinute: number | null;
  workspaceId: string | null;
}

/** The previous secret's expiry, shown only while it is in the future. */
const KEY_COLUMNS = `key_id, name, scopes, prefix, created_at, last_used_at, revoked_at,
  rate_limit_per_minute, workspace_id,
  CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END
    AS previous_key_expires_at`;

/** Inserts the key when the project exists; undefined when it does not. */
export async function insertKey(
  db: Queryable,
  projectId: string,
  key: NewKey,
): Promise<KeyRow | undefined> {
  const [row] = await db.query<KeyRow>(
    `INSERT INTO api_keys (project_id, key_id, name, scopes, prefix, secret_hash,
       rate_limit_per_minute, workspace_id)
     SELECT $1, $2, $3, $4::text[], $5, $6, $7, $8
     WHERE EXISTS (SELECT 1 FROM projects WHERE project_id = $1)
     RETURNING ${KEY_COLUMNS}`,
    [
      projectId,
      key.keyId,
      key.name,
      key.scopes,
      key.prefix,
      key.secretHash,
      key.rateLimitPerMinute,
      key.workspaceId,
    ],
  );
  return row;
}

/** Every key of the project, newest first. */
export async function selectKeys(db: Queryable, projectId: string): Promise<KeyRow[]> {
  return db.query<KeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE project_id = $1 ORDER BY created_at DESC, key_id DESC`,
    [projectId],
  );
}

/**
 * The key, locked for the rest of the transaction `tx`, after its project's row (FOR NO KEY
 * UPDATE, as an append takes it to record the change). A project's deletion locks the
 * project and then revokes its keys: a key change holding the key while it waited for the
 * project to record itself deadlocked with it.
 */
export async function lockKey(
  tx: Queryable,
  projectId: string,
  keyId: string,
): Promise<KeyRow | undefined> {
  await tx.query("SELECT 1 FROM projects WHERE project_id = $1 FOR NO KEY UPDATE", [projectId]);
  const [row] = await tx.query<KeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE project_id = $1 AND key_id = $2 FOR UPDATE`,
    [projectId, keyId],
  );
  return row;
}

export async function markKeyRevoked(
  db: Queryable,
  projectId: string,
  keyId: string,
): Promise<KeyRow | undefined> {
  const [row] = await db.query<KeyRow>(
    `UPDATE api_keys SET revoked_at = now() WHERE project_id = $1 AND key_id = $2
     RETURNING ${KEY_COLUMNS}`,
    [projectId, keyId],
  );
  return row;
}

/** Changes the name and the own rate limit (each only when `set…` is true). */
export async function updateKey(
  db: Queryable,
  projectId: string,
  keyId: string,
  change: { name?: string; rateLimitPerMinute?: number | null },
): Promise<KeyRow | undefined> {
  const [row] = await db.query<KeyRow>(
    `UPDATE api_keys SET
       name = CASE WHEN $3::boolean THEN $4 ELSE name END,
       rate_limit_per_minute = CASE WHEN $5::boolean THEN $6::integer ELSE rate_limit_per_minute END
     WHERE project_id = $1 AND key_id = $2
     RETURNING ${KEY_COLUMNS}`,
    [
      projectId,
      keyId,
      change.name !== undefined,
      change.name ?? null,
      change.rateLimitPerMinute !== undefined,
      change.rateLimitPerMinute ?? null,
    ],
  );
  return row;
}

/**
 * Gives the key a new secret; the current one keeps working for `overlapSeconds` (on the
 * database's clock), and any older one stops.
 */
export async function rotateKeySecret(
  db: Queryable,
  projectId: string,
  keyId: string,
  secret: { prefix: string; secretHash: string; overlapSeconds: number },
): Promise<KeyRow | undefined> {
  const [row] = await db.query<KeyRow>(
    `UPDATE api_keys SET
       previous_secret_hash = secret_hash,
       previous_secret_expires_at = now() + make_interval(secs => $5),
       secret_hash = $4,
       prefix = $3
     WHERE project_id = $1 AND key_id = $2
     RETURNING ${KEY_COLUMNS}`,
    [projectId, keyId, secret.prefix, secret.secretHash, secret.overlapSeconds],
  );
  return row;
}

/** The unrevoked key whose current secret, or previous one still in its overlap, has this hash. */
export async function selectLiveKeyBySecretHash(
  db: Queryable,
  secretHash: string,
): Promise<LiveKeyRow | undefined> {
  const [row] = await db.query<LiveKeyRow>(
    `SELECT project_id, key_id, name, scopes, last_used_at, rate_limit_per_minute, workspace_id,
            CASE WHEN secret_hash = $1 THEN NULL ELSE previous_secret_expires_at END AS expires_at
     FROM api_keys
     WHERE (secret_hash = $1 OR (previous_secret_hash = $1 AND previous_secret_expires_at > now()))
       AND revoked_at IS NULL`,
    [secretHash],
  );
  return row;
}

/** Sets last_used_at unless another request did within the last minute. */
export async function touchKeyLastUsed(
  db: Queryable,
  projectId: string,
  keyId: string,
): Promise<void> {
  await db.query(
    `UPDATE api_keys SET last_used_at = now() WHERE project_id = $1 AND key_id = $2
     AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')`,
    [projectId, keyId],
  );
}

/** Of the (project, key) pairs given side by side, the ids of the keys not revoked. */
export async function selectUnrevokedKeyIds(
  db: Queryable,
  projectIds: readonly string[],
  keyIds: readonly string[],
): Promise<string[]> {
  const rows = await db.query<{ key_id: string }>(
    `SELECT k.key_id FROM api_keys k
     JOIN unnest($1::text[], $2::text[]) AS c (project_id, key_id)
       ON k.project_id = c.project_id AND k.key_id = c.key_id
     WHERE k.revoked_at IS NULL`,
    [projectIds, keyIds],
  );
  return rows.map((row) => row.key_id);
}

/**
 * Of the (project, secret hash) pairs given side by side, the hashes no key of that project
 * accepts any more: neither its current secret nor a previous one still in its overlap.
 */
export async function selectStoppedSecretHashes(
  db: Queryable,
  projectIds: readonly string[],
  secretHashes: readonly string[],
): Promise<string[]> {
  const rows = await db.query<{ secret_hash: string }>(
    `SELECT c.secret_hash FROM unnest($1::text[], $2::text[]) AS c (project_id, secret_hash)
     WHERE NOT EXISTS (
       SELECT 1 FROM api_keys k WHERE k.project_id = c.project_id
         AND (k.secret_hash = c.secret_hash
           OR (k.previous_secret_hash = c.secret_hash AND k.previous_secret_expires_at > now())))`,
    [projectIds, secretHashes],
  );
  return rows.map((row) => row.secret_hash);
}
