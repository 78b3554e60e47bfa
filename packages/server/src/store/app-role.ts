import type { Store } from "./types.js";

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Tables whose rows the app's role may add but never change or remove. */
const APPEND_ONLY = ["events", "merkle_hash_runs", "checkpoints", "operator_log"] as const;

/**
 * Tables the app's role may only read: the owner's settings, and the Merkle hashes stored
 * one per row before migration 0022 (nothing adds to them since).
 */
const READ_ONLY = ["schema_migrations", "removal_policy", "merkle_hashes"] as const;

/**
 * Least privilege for the role the server runs as (docs/security.md): run by the owner
 * after `migrate`. The app role reads and writes the tables it needs, but cannot change or
 * delete events, Merkle hashes or checkpoints, alter or drop anything, or lift the
 * append-only guard, or change the owner's `removal_policy`; it purges only through
 * `chronicle_purge_events`, which runs with the owner's rights and deletes nothing but a
 * prefix expired on the database's clock, and `chronicle_purge_project`, which removes only
 * a project whose deletion grace period is over; it creates and drops events partitions
 * only through the owner's functions (migrations 0008, 0013, 0015), and merges the search
 * index's pending list only through `chronicle_merge_search_pending` (migration 0030). Each
 * removal records itself in `operator_log`. PostgreSQL only (PGlite has one role).
 */
export async function grantAppRole(store: Store, role: string): Promise<void> {
  if (store.kind !== "postgres") throw new Error("an app role needs PostgreSQL");
  if (!ROLE_NAME.test(role)) throw new Error(`"${role}" is not a plain role name`);
  const [owner] = await store.query<{ owner: string; current: string }>(
    "SELECT pg_get_userbyid(relowner) AS owner, current_user AS current FROM pg_class WHERE oid = 'events'::regclass",
  );
  if (owner?.owner === role) {
    throw new Error(`"${role}" owns the schema: the app must run as another role`);
  }
  await store.transaction(async (tx) => {
    const [schema] = await tx.query<{ name: string }>("SELECT current_schema() AS name");
    const ns = `"${schema?.name ?? "public"}"`;
    await tx.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${ns} FROM ${role}`);
    await tx.query(`GRANT USAGE ON SCHEMA ${ns} TO ${role}`);
    await tx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${ns} TO ${role}`);
    await tx.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${ns} TO ${role}`);
    await tx.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${APPEND_ONLY.join(", ")} FROM ${role}`);
    await tx.query(
      `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${READ_ONLY.join(", ")} FROM ${role}`,
    );
    // A project's row goes only with the rest of it, through chronicle_purge_project: a row
    // deleted alone would hide the project's events from the API without removing them.
    await tx.query(`REVOKE DELETE, TRUNCATE ON projects FROM ${role}`);
    await tx.query(`GRANT EXECUTE ON FUNCTION chronicle_purge_events(text, bigint) TO ${role}`);
    // Events partitions are reached through their parent only (whose rights are checked);
    // they are created and dropped by the owner's functions (migration 0008).
    const partitions = await tx.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass",
    );
    for (const { name } of partitions) await tx.query(`REVOKE ALL ON "${name}" FROM ${role}`);
    await tx.query(
      `GRANT EXECUTE ON FUNCTION chronicle_create_event_partitions(text, timestamptz, timestamptz), chronicle_drop_event_partition(text, text), chronicle_drop_expired_event_partitions() TO ${role}`,
    );
    await tx.query(`GRANT EXECUTE ON FUNCTION chronicle_purge_project(text) TO ${role}`);
    await tx.query(
      `GRANT EXECUTE ON FUNCTION chronicle_merge_search_pending(regclass[]) TO ${role}`,
    );
  });
}
