/**
 * A viewer token lives no longer than the key secret that minted it. Revoking a key already
 * ended its tokens, but rotating it did not: whoever held a leaked secret could mint tokens
 * for any workspace and keep reading through them after the owner rotated the secret away.
 * `minted_with` is the hash of the secret the minting request presented (`api_keys`'
 * `secret_hash` then): the token works while that secret does, current or in a rotation's
 * overlap. Tokens minted before this column existed have none and keep the old rule (their
 * key's revocation, their own expiry: at most a day).
 */
export const viewerTokenMintingSecret = `
ALTER TABLE viewer_tokens ADD COLUMN minted_with text;
`;
