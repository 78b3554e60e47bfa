/**
 * API keys with a rate limit of their own (`rate_limit_per_minute`, null: the server's
 * default), pinned to one workspace (`workspace_id`, null: the whole project), and rotated
 * with an overlap: the secret replaced keeps working (by its hash) until
 * `previous_secret_expires_at`. Authentication looks a key up by either hash.
 */
export const keyLimitsRotationPins = `
ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute integer;
ALTER TABLE api_keys ADD COLUMN workspace_id text;
ALTER TABLE api_keys ADD COLUMN previous_secret_hash text;
ALTER TABLE api_keys ADD COLUMN previous_secret_expires_at timestamptz;
CREATE INDEX api_keys_previous_secret_hash ON api_keys (previous_secret_hash)
  WHERE previous_secret_hash IS NOT NULL;
`;
