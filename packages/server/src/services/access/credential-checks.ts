import type { Credential } from "../../domain/types.js";
import { selectStoppedSecretHashes, selectUnrevokedKeyIds } from "../../store/keys.js";
import type { Store } from "../../store/types.js";
import { selectViewerTokenStates } from "../../store/viewer-tokens.js";

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
    const alive = new Set(await selectUnrevokedKeyIds(store, keyProjects, keyIds));
    for (const id of keyIds) if (!alive.has(id)) ended.set(id, "revoked");
  }
  const [tokenProjects, tokenIds] = byKind(credentials, "viewer_token");
  if (tokenIds.length > 0) {
    const rows = await selectViewerTokenStates(store, tokenProjects, tokenIds);
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

/**
 * Of the API keys' secrets in use (open streams), those that no longer authenticate though
 * their key may live on: a rotation's previous secret once its overlap is over. One query.
 */
export async function stoppedSecrets(
  store: Store,
  credentials: readonly Pick<Credential, "projectId" | "secretHash">[],
): Promise<Set<string>> {
  const checked = credentials.filter((c) => c.secretHash !== undefined);
  if (checked.length === 0) return new Set();
  const stopped = await selectStoppedSecretHashes(
    store,
    checked.map((c) => c.projectId),
    checked.map((c) => c.secretHash as string),
  );
  return new Set(stopped);
}
