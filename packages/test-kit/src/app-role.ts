import { randomBytes } from "node:crypto";
import { POSTGRES_URL } from "./postgres.js";
import { grantAppRole, openStore, type Store } from "./server-source.js";

/** A connection as the least-privileged role the server runs as (docs/security.md). */
export interface AppRoleStore {
  /** The store, connected as `role`, exactly as a server given its credentials would be. */
  store: Store;
  role: string;
  /** The connection string with the role's credentials (for a server or CLI process). */
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * Creates a login role of its own, grants it what `chronicle grant-app-role` grants, and
 * connects to `owner`'s database as it. PostgreSQL only (PGlite has one role); `close`
 * drops the role (`owner` must be a superuser, as the tests' own connection is).
 */
export async function openAppRoleStore(owner: Store): Promise<AppRoleStore> {
  if (!POSTGRES_URL) throw new Error("an app role needs PostgreSQL (DATABASE_URL)");
  const role = `chronicle_app_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  await owner.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await grantAppRole(owner, role);
  const [db] = await owner.query<{ name: string }>("SELECT current_database() AS name");
  const url = new URL(POSTGRES_URL);
  url.username = role;
  url.password = password;
  url.pathname = `/${db?.name}`;
  const store = await openStore({ databaseUrl: url.toString(), poolSize: 2 });
  return {
    store,
    role,
    databaseUrl: url.toString(),
    /** Before the owner's store closes: the role's grants go, then the role. */
    async close() {
      await store.close();
      await owner.query(`DROP OWNED BY ${role}`);
      await owner.query(`DROP ROLE ${role}`);
    },
  };
}
