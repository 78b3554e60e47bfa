import type { Queryable } from "./types.js";

/** A viewer token's row: the token itself is signed and never stored. */
export interface ViewerTokenRow {
  token_id: string;
  key_id: string;
  workspace_id: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

/** A token in use, as re-checked: revoked when it or its key is. */
export interface ViewerTokenStateRow {
  token_id: string;
  revoked: boolean;
  expired: boolean;
}

export interface NewViewerToken {
  tokenId: string;
  keyId: string;
  workspaceId: string;
  scopes: readonly string[];
  ttlSeconds: number;
}

const TOKEN_COLUMNS = "token_id, key_id, workspace_id, scopes, created_at, expires_at, revoked_at";

/** Inserts the token, expiring `ttlSeconds` from now on the database's clock. */
export async function insertViewerToken(
  db: Queryable,
  projectId: string,
  token: NewViewerToken,
): Promise<ViewerTokenRow> {
  const [row] = await db.query<ViewerTokenRow>(
    `INSERT INTO viewer_tokens (project_id, token_id, key_id, workspace_id, scopes, expires_at)
     VALUES ($1, $2, $3, $4, $5::text[], now() + make_interval(secs => $6))
     RETURNING ${TOKEN_COLUMNS}`,
    [projectId, token.tokenId, token.keyId, token.workspaceId, token.scopes, token.ttlSeconds],
  );
  return row as ViewerTokenRow;
}

/** Drops every token expired for more than a day. */
export async function deleteLongExpiredViewerTokens(db: Queryable): Promise<void> {
  await db.query("DELETE FROM viewer_tokens WHERE expires_at < now() - interval '1 day'");
}

/** When the token expires, if it is unrevoked and minted by a key not revoked; undefined otherwise. */
export async function selectLiveViewerTokenExpiry(
  db: Queryable,
  projectId: string,
  tokenId: string,
): Promise<Date | undefined> {
  const [live] = await db.query<{ expires_at: Date }>(
    `SELECT t.expires_at FROM viewer_tokens t
     JOIN api_keys k ON k.project_id = t.project_id AND k.key_id = t.key_id
     WHERE t.project_id = $1 AND t.token_id = $2
       AND t.revoked_at IS NULL AND k.revoked_at IS NULL`,
    [projectId, tokenId],
  );
  return live ? new Date(live.expires_at) : undefined;
}

/** The token, locked for the rest of the transaction `tx`. */
export async function lockViewerToken(
  tx: Queryable,
  projectId: string,
  tokenId: string,
): Promise<ViewerTokenRow | undefined> {
  const [row] = await tx.query<ViewerTokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM viewer_tokens WHERE project_id = $1 AND token_id = $2 FOR UPDATE`,
    [projectId, tokenId],
  );
  return row;
}

export async function markViewerTokenRevoked(
  db: Queryable,
  projectId: string,
  tokenId: string,
): Promise<ViewerTokenRow | undefined> {
  const [row] = await db.query<ViewerTokenRow>(
    `UPDATE viewer_tokens SET revoked_at = now() WHERE project_id = $1 AND token_id = $2
     RETURNING ${TOKEN_COLUMNS}`,
    [projectId, tokenId],
  );
  return row;
}

/**
 * The state of the (project, token) pairs given side by side, on the database's clock;
 * a token without a row is left out.
 */
export async function selectViewerTokenStates(
  db: Queryable,
  projectIds: readonly string[],
  tokenIds: readonly string[],
): Promise<ViewerTokenStateRow[]> {
  return db.query<ViewerTokenStateRow>(
    `SELECT t.token_id,
            (t.revoked_at IS NOT NULL OR k.revoked_at IS NOT NULL) AS revoked,
            t.expires_at <= now() AS expired
     FROM viewer_tokens t
     JOIN unnest($1::text[], $2::text[]) AS c (project_id, token_id)
       ON t.project_id = c.project_id AND t.token_id = c.token_id
     JOIN api_keys k ON k.project_id = t.project_id AND k.key_id = t.key_id`,
    [projectIds, tokenIds],
  );
}
