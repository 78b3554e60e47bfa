/**
 * Viewer tokens are recorded when minted, so that revoking one (or the key that minted it)
 * refuses it: verification joins the token's row to its key's in the one query a request
 * already costs. `expires_at` is set from the database's clock at issue.
 */
export const viewerTokens = `
CREATE TABLE viewer_tokens (
  project_id text NOT NULL REFERENCES projects (project_id),
  token_id text NOT NULL,
  key_id text NOT NULL,
  workspace_id text NOT NULL,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  PRIMARY KEY (project_id, token_id),
  FOREIGN KEY (project_id, key_id) REFERENCES api_keys (project_id, key_id)
);
CREATE INDEX viewer_tokens_expires ON viewer_tokens (expires_at);
`;
