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
}

/** What authenticating a live key reads. */
export interface LiveKeyRow {
  project_id: string;
  key_id: string;
  name: string;
  scopes: string[];
  last_used_at: Date | null;
}

export interface NewKey {
  keyId: string;
  name: string;
  scopes: readonly string[];
  prefix: string;
  secretHash: string;
}

const KEY_COLUMNS = "key_id, name, scopes, prefix, created_at, last_used_at, revoked_at";

/** Inserts the key when the project exists; undefined when it does not. */
export async function insertKey(
  db: Queryable,
  projectId: string,
  key: NewKey,
): Promise<KeyRow | undefined> {
  const [row] = await db.query<KeyRow>(
    `INSERT INTO api_keys (project_id, key_id, name, scopes, prefix, secret_hash)
     SELECT $1, $2, $3, $4::text[], $5, $6 WHERE EXISTS (SELECT 1 FROM projects WHERE project_id = $1)
     RETURNING ${KEY_COLUMNS}`,
    [projectId, key.keyId, key.name, key.scopes, key.prefix, key.secretHash],
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

/** The key, locked for the rest of the transaction `tx`. */
export async function lockKey(
  tx: Queryable,
  projectId: string,
  keyId: string,
): Promise<KeyRow | undefined> {
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

/** The unrevoked key whose secret has this hash. */
export async function selectLiveKeyBySecretHash(
  db: Queryable,
  secretHash: string,
): Promise<LiveKeyRow | undefined> {
  const [row] = await db.query<LiveKeyRow>(
    `SELECT project_id, key_id, name, scopes, last_used_at FROM api_keys
     WHERE secret_hash = $1 AND revoked_at IS NULL`,
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
