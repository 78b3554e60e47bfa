// The owner's removal functions resolve the functions and tables named in their body through
// their search_path. A path that names "$user" searches, inside an owner-rights function, a
// schema named after the owner first: a role allowed to create schemas in the database (an
// operator's grant to the app role, say) could create that schema and stand in for the
// partition checks with functions of its own.
import {
  type AppRoleStore,
  issueEvents,
  newProject,
  openAppRoleStore,
  openTestStore,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEvents } from "../../src/services/index.js";

describe.skipIf(!process.env.DATABASE_URL)(
  "the owner's removal functions and a schema named after the owner",
  () => {
    const stores: { t?: TestStore; appRole?: AppRoleStore } = {};
    beforeAll(async () => {
      stores.t = await openTestStore("postgres");
      stores.appRole = await openAppRoleStore(stores.t.store);
    });
    afterAll(async () => {
      await stores.appRole?.close();
      await stores.t?.dispose();
    });

    it("when the app role may create schemas and makes one named after the owner, then the partition of today's events is not detached", async () => {
      const owner = (stores.t as TestStore).store;
      const { store: app, role } = stores.appRole as AppRoleStore;
      const { projectId } = await newProject(app);
      await ingestEvents(app, projectId, issueEvents(5));
      const [names] = await owner.query<{ owner: string; db: string }>(
        "SELECT current_user AS owner, current_database() AS db",
      );
      await owner.query(`GRANT CREATE ON DATABASE "${names?.db}" TO ${role}`);
      const [holder] = await app.query<{ name: string }>(
        "SELECT tableoid::regclass::text AS name FROM events WHERE project_id = $1 LIMIT 1",
        [projectId],
      );
      const partition = holder?.name as string;
      const schema = `"${names?.owner}"`;
      await app.query(`CREATE SCHEMA ${schema}`);
      await app.query(
        `CREATE FUNCTION ${schema}.chronicle_event_partitions()
         RETURNS TABLE (name text, lower_bound timestamptz, upper_bound timestamptz)
         LANGUAGE sql AS $$ SELECT '${partition}'::text, now() - interval '1 day', now() $$`,
      );
      await app.query(
        `CREATE FUNCTION ${schema}.chronicle_event_partition_expired(p text, u timestamptz)
         RETURNS boolean LANGUAGE sql AS 'SELECT true'`,
      );
      await app.query(
        `CREATE FUNCTION ${schema}.chronicle_event_partition_heads(p text)
         RETURNS TABLE (project_id text, first_seq bigint, last_seq bigint)
         LANGUAGE sql AS 'SELECT NULL::text, NULL::bigint, NULL::bigint WHERE false'`,
      );
      const dropped = await app
        .query("SELECT * FROM chronicle_drop_event_partition($1, '100ms')", [partition])
        .catch((error: unknown) => error);
      expect(dropped).toEqual([]);
      const [left] = await owner.query<{ n: string | number }>(
        "SELECT count(*) AS n FROM events WHERE project_id = $1",
        [projectId],
      );
      expect(Number(left?.n)).toBe(5);
    });
  },
);
