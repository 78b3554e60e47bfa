import type { Credential } from "../../domain/types.js";
import type { Store } from "../../store/types.js";

/** Why a credential stopped working while in use. */
export type CredentialEnd = "revoked" | "expired";

type Checked = Pick<Credential, "kind" | "id" | "projectId">;

function byKind(credentials: readonly Checked[], kind: Credential["kind"]) {
  const chosen = credentials.filter((credential) => credential.kind === kind);
  return [chosen.map((c) => c.projectId), chosen.map((c) => c.id)] as const;
}

/**
 * Re-checks credentials in use (open streams) in at most two queries whatever their number:
 * returns the ids of those that are no longer valid and why. A viewer token is revoked when
 * it or the key that minted it is revoked; a missing row counts as revoked. Expiry is read
 * on the database's clock.
 */
export async function endedCredentials(
  store: Store,
  credentials: readonly Checked[],
): Promise<Map<string, CredentialEnd>> {
  const ended = new Map<string, CredentialEnd>();
  const [keyProjects, keyIds] = byKind(credentials, "api_key");
  if (keyIds.length > 0) {
    const live = await store.query<{ key_id: string }>(
      `SELECT k.key_id FROM api_keys k
       JOIN unnest($1::text[], $2::text[]) AS c (project_id, key_id)
         ON k.project_id = c.project_id AND k.key_id = c.key_id
       WHERE k.revoked_at IS NULL`,
      [keyProjects, keyIds],
    );
    const alive = new Set(live.map((row) => row.key_id));
    for (const id of keyIds) if (!alive.has(id)) ended.set(id, "revoked");
  }
  const [tokenProjects, tokenIds] = byKind(credentials, "viewer_token");
  if (tokenIds.length > 0) {
    const rows = await store.query<{ token_id: string; revoked: boolean; expired: boolean }>(
      `SELECT t.token_id,
              (t.revoked_at IS NOT NULL OR k.revoked_at IS NOT NULL) AS revoked,
              t.expires_at <= now() AS expired
       FROM viewer_tokens t
       JOIN unnest($1::text[], $2::text[]) AS c (project_id, token_id)
         ON t.project_id = c.project_id AND t.token_id = c.token_id
       JOIN api_keys k ON k.project_id = t.project_id AND k.key_id = t.key_id`,
      [tokenProjects, tokenIds],
    );
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.token_id);
      if (row.revoked) ended.set(row.token_id, "revoked");
      else if (row.expired) ended.set(row.token_id, "expired");
    }
    for (const id of tokenIds) if (!seen.has(id)) ended.set(id, "revoked");
  }
  return ended;
}
