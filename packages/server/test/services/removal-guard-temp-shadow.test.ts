// The owner's removal functions run with the owner's rights and resolve the names in their
// body through their search_path. PostgreSQL searches a session's temporary schema first
// unless pg_temp is named last, and every role may create temporary tables: a caller with
// the app role's credentials could shadow removal_policy (the clock and the floors),
// projects or operator_log for the length of its session. A path that names "$user" searches,
// inside an owner-rights function, a schema named after the owner first: a role allowed to
// create schemas could make that schema and stand in for the partition checks.
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
import { selectOperatorLog } from "../../src/store/projects.js";

describe.skipIf(!process.env.DATABASE_URL)(
  "the owner's removal functions under tables of the caller's session",
  () => {
    // The test's own store owns the schema; the attacks run as the app role.
    const stores: { t?: TestStore; appRole?: AppRoleStore } = {};
    beforeAll(async () => {
      stores.t = await openTestStore("postgres");
      stores.appRole = await openAppRoleStore(stores.t.store);
    });
    afterAll(async () => {
      await stores.appRole?.close();
      await stores.t?.dispose();
    });
    const owner = () => (stores.t as TestStore).store;
    const attacker = () => (stores.appRole as AppRoleStore).store;

    it("when the app role shadows removal_policy and operator_log with temporary tables, then the purge still reads the owner's clock and floors and nothing unexpired goes", async () => {
      const app = attacker();
      const { projectId } = await newProject(app);
      await ingestEvents(app, projectId, issueEvents(5));
      await app.query("UPDATE projects SET retention_days = 1 WHERE project_id = $1", [projectId]);
      const purged = await app.transaction(async (tx) => {
        await tx.query(
          `CREATE TEMP TABLE removal_policy ON COMMIT DROP AS SELECT true AS singleton,
             1 AS min_retention_days, 0 AS min_deletion_grace_days,
             interval '3650 days' AS clock_offset`,
        );
        await tx.query(
          "CREATE TEMP TABLE operator_log (LIKE public.operator_log INCLUDING DEFAULTS) ON COMMIT DROP",
        );
        const [row] = await tx.query<{ n: string | number }>(
          "SELECT chronicle_purge_events($1, 5) AS n",
          [projectId],
        );
        return Number(row?.n);
      });
      expect(purged).toBe(0);
      const [left] = await owner().query<{ n: string | number }>(
        "SELECT count(*) AS n FROM events WHERE project_id = $1",
        [projectId],
      );
      expect(Number(left?.n)).toBe(5);
    });

    it("when the app role shadows projects with a temporary table, then a project whose grace period has not passed stays", async () => {
      const app = attacker();
      const { projectId } = await newProject(app);
      await ingestEvents(app, projectId, issueEvents(2));
      const purged = await app.transaction(async (tx) => {
        await tx.query(
          `CREATE TEMP TABLE projects ON COMMIT DROP AS SELECT * FROM public.projects
             WHERE project_id = $1`,
          [projectId],
        );
        await tx.query(
          `UPDATE pg_temp.projects SET deletion_requested_at = now() - interval '30 days',
             purge_after = now() - interval '1 day'`,
        );
        const [row] = await tx.query<{ n: string | number }>(
          "SELECT chronicle_purge_project($1) AS n",
          [projectId],
        );
        return Number(row?.n);
      });
      expect(purged).toBe(0);
      const rows = await owner().query("SELECT 1 FROM events WHERE project_id = $1", [projectId]);
      expect(rows).toHaveLength(2);
      expect((await selectOperatorLog(owner(), projectId)).map((e) => e.action)).not.toContain(
        "project.purged",
      );
    });

    it("when the app role may create schemas and makes one named after the owner, then the partition of today's events is not detached", async () => {
      const { store: app, role } = stores.appRole as AppRoleStore;
      const { projectId } = await newProject(app);
      await ingestEvents(app, projectId, issueEvents(5));
      const [names] = await owner().query<{ owner: string; db: string }>(
        "SELECT current_user AS owner, current_database() AS db",
      );
      await owner().query(`GRANT CREATE ON DATABASE "${names?.db}" TO ${role}`);
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
      const [left] = await owner().query<{ n: string | number }>(
        "SELECT count(*) AS n FROM events WHERE project_id = $1",
        [projectId],
      );
      expect(Number(left?.n)).toBe(5);
    });
  },
);
