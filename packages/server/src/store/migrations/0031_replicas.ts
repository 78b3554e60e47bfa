/**
 * The server replicas that share this database and take the appends of the projects they
 * own (docs/scaling.md, "One project's appends on one replica"). A row is a replica's
 * advertised URL, proof that whoever wrote it knows the replicas' shared secret (an HMAC of
 * the URL: a row written by anyone else, with the database alone, is never forwarded to,
 * so it cannot collect the credentials of forwarded requests), and when it last said it was
 * alive. Not a project's data: a reference table on Citus.
 */
export const replicas = `
CREATE TABLE replicas (
  url text PRIMARY KEY,
  proof text NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now()
);
`;
