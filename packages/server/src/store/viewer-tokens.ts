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
  /** The hash of the key secret the minting request presented (migration 0026). */
  mintedWith: string | undefined;
  workspaceId: string;
  scopes: readonly string[];
  ttlSeconds: number;
}

const TOKEN_COLUMNS = "token_id, key_id, workspace_id, scopes, created_at, expires_at, revoked_at";

/**
 * When token `t` stops, joined to its key `k`: its own expiry, or sooner the end of the
 * secret that minted it (migration 0026). A minting secret that is neither the key's
 * current one nor the previous one in its overlap has stopped at a moment not recorded:
 * the token's creation stands for it (any instant in the past will do).
 */
const EFFECTIVE_EXPIRY = `CASE
  WHEN t.minted_with IS NULL OR t.minted_with = k.secret_hash THEN t.expires_at
  WHEN t.minted_with = k.previous_secret_hash
    THEN least(t.expires_at, k.previous_secret_expires_at)
  ELSE t.created_at
END`;

/** Inserts the token, expiring `ttlSeconds` from now on the database's clock. */
export async function insertViewerToken(
  db: Queryable,
  projectId: string,
  token: NewViewerToken,
): Promise<ViewerTokenRow> {
  const [row] = await db.query<ViewerTokenRow>(
    `INSERT INTO viewer_tokens
       (project_id, token_id, key_id, workspace_id, scopes, expires_at, minted_with)
     VALUES ($1, $2, $3, $4, $5::text[], now() + make_interval(secs => $6), $7)
     RETURNING ${TOKEN_COLUMNS}`,
    [
      projectId,
      token.tokenId,
      token.keyId,
      token.workspaceId,
      token.scopes,
      token.ttlSeconds,
      token.mintedWith ?? null,
    ],
  );
  return row as ViewerTokenRow;
}

/** Drops every token expired for more than a day. */
export async function deleteLongExpiredViewerTokens(db: Queryable): Promise<void> {
  await db.query("DELETE FROM viewer_tokens WHERE expires_at < now() - interval '1 day'");
}

/** A token in use, as read for a request: when it stops, and its key's own request limit. */
export interface LiveViewerToken {
  expiresAt: Date;
  keyRateLimitPerMinute: number | null;
}

/**
 * The token if it is unrevoked and minted by a key not revoked (undefined otherwise), with
 * when it stops: its expiry, or the end of the key secret that minted it if sooner.
 */
export async function selectLiveViewerToken(
  db: Queryable,
  projectId: string,
  tokenId: string,
): Promise<LiveViewerToken | undefined> {
  const [live] = await db.query<{ expires_at: Date; rate_limit_per_minute: number | null }>(
    `SELECT ${EFFECTIVE_EXPIRY} AS expires_at, k.rate_limit_per_minute
     FROM viewer_tokens t
     JOIN api_keys k ON k.project_id = t.project_id AND k.key_id = t.key_id
     WHERE t.project_id = $1 AND t.token_id = $2
       AND t.revoked_at IS NULL AND k.revoked_at IS NULL`,
    [projectId, tokenId],
  );
  if (!live) return undefined;
  return {
    expiresAt: new Date(live.expires_at),
    keyRateLimitPerMinute:
      live.rate_limit_per_minute === null ? null : Number(live.rate_limit_per_minute),
  };
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
            ${EFFECTIVE_EXPIRY} <= now() AS expired
     FROM viewer_tokens t
     JOIN unnest($1::text[], $2::text[]) AS c (project_id, token_id)
       ON t.project_id = c.project_id AND t.token_id = c.token_id
     JOIN api_keys k ON k.project_id = t.project_id AND k.key_id = t.key_id`,
    [projectIds, tokenIds],
  );
}
