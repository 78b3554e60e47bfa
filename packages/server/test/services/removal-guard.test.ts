// Attempts to remove events before their time, by someone holding the app role's database
// credentials (or, on PGlite, calling the owner's functions directly): nothing goes early,
// and every removal and every change that schedules one leaves an operator_log row.
import {
  type AppRoleStore,
  atRemovalClock,
  issueEvents,
  newProject,
  openAppRoleStore,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ingestEvents,
  purgeDueProjects,
  purgeExpired,
  requestProjectDeletion,
  verifyIntegrity,
} from "../../src/services/index.js";
import { selectEventPartitions } from "../../src/store/event-partitions.js";
import { selectOperatorLog } from "../../src/store/projects.js";
import type { Store } from "../../src/store/types.js";

const DAY_MS = 86_400_000;

async function eventCount(store: Store, projectId: string): Promise<number> {
  const [row] = await store.query<{ n: string | number }>(
    "SELECT count(*) AS n FROM events WHERE project_id = $1",
    [projectId],
  );
  return Number(row?.n ?? 0);
}

async function projectExists(store: Store, projectId: string): Promise<boolean> {
  const rows = await store.query("SELECT 1 FROM projects WHERE project_id = $1", [projectId]);
  return rows.length === 1;
}

async function logActions(store: Store, projectId: string): Promise<string[]> {
  return (await selectOperatorLog(store, projectId)).map((entry) => entry.action);
}

/** The partition holding the project's events (received just now). */
async function currentPartition(store: Store, projectId: string): Promise<string> {
  const [row] = await store.query<{ home: string }>(
    "SELECT tableoid::regclass::text AS home FROM events WHERE project_id = $1 LIMIT 1",
    [projectId],
  );
  if (!row) throw new Error("the project has no events");
  return row.home;
}

/** A project with `count` events received just now. */
async function projectWithEvents(store: Store, count: number): Promise<string> {
  const { projectId } = await newProject(store);
  await ingestEvents(store, projectId, issueEvents(count));
  return projectId;
}

/**
 * The attacks, run through `attacker` (the app role on PostgreSQL; on PGlite, which has one
 * role, the same functions called directly): `owner` checks what is left.
 */
function removalAttacks(context: () => { owner: Store; attacker: Store; separateRoles: boolean }) {
  it("when retention is set to 0 behind the API and the purge is called for every seq, then nothing unexpired goes and the change is recorded", async () => {
    const { owner, attacker } = context();
    const projectId = await projectWithEvents(attacker, 6);
    await attacker.query("UPDATE projects SET retention_days = 0 WHERE project_id = $1", [
      projectId,
    ]);
    const [purged] = await attacker.query<{ n: string | number }>(
      "SELECT chronicle_purge_events($1, 6) AS n",
      [projectId],
    );
    expect(Number(purged?.n)).toBe(0);
    const reports = await purgeExpired(attacker, { granularity: "event" });
    expect(reports.find((report) => report.project_id === projectId)).toBeUndefined();
    expect(await eventCount(owner, projectId)).toBe(6);
    expect(await verifyIntegrity(owner, projectId)).toMatchObject({ valid: true, checked: 6 });
    const [changed] = (await selectOperatorLog(owner, projectId)).filter(
      (entry) => entry.action === "project.retention_changed",
    );
    expect(changed?.detail).toMatchObject({ from: null, to: 0 });
  });

  it("when the partition drop is asked with a time in the future, then there is no such function, and the one there is keeps the partition", async () => {
    const { owner, attacker } = context();
    const projectId = await projectWithEvents(attacker, 4);
    await attacker.query("UPDATE projects SET retention_days = 1 WHERE project_id = $1", [
      projectId,
    ]);
    const partition = await currentPartition(owner, projectId);
    const farFuture = new Date(Date.now() + 3650 * DAY_MS).toISOString();
    await expect(
      attacker.query("SELECT * FROM chronicle_drop_event_partition($1, $2::timestamptz, '1s')", [
        partition,
        farFuture,
      ]),
    ).rejects.toThrow(/does not exist/);
    expect(
      await attacker.query("SELECT * FROM chronicle_drop_event_partition($1, '1s')", [partition]),
    ).toEqual([]);
    expect((await selectEventPartitions(owner)).map((p) => p.name)).toContain(partition);
    expect(await eventCount(owner, projectId)).toBe(4);
  });

  it("when a deletion is back-dated and purge_after set in the past, then the project stays until the owner's grace period is over, and then goes with a record", async () => {
    const { owner, attacker } = context();
    const projectId = await projectWithEvents(attacker, 3);
    await attacker.query(
      `UPDATE projects SET deletion_requested_at = now() - interval '30 days',
         purge_after = now() - interval '1 day' WHERE project_id = $1`,
      [projectId],
    );
    const [purged] = await attacker.query<{ n: string | number }>(
      "SELECT chronicle_purge_project($1) AS n",
      [projectId],
    );
    expect(Number(purged?.n)).toBe(0);
    expect((await purgeDueProjects(attacker)).map((p) => p.projectId)).not.toContain(projectId);
    expect(await projectExists(owner, projectId)).toBe(true);
    expect(await eventCount(owner, projectId)).toBe(3);
    // The database stamped the request with its own time and recorded the change.
    const [changed] = (await selectOperatorLog(owner, projectId)).filter(
      (entry) => entry.action === "project.deletion_times_changed",
    );
    const requestedAt =
      (changed?.detail.deletion_requested_at as { to: string } | undefined)?.to ?? "";
    expect(Math.abs(Date.parse(requestedAt) - Date.now())).toBeLessThan(60_000);

    // Six days on the grace period (7 days by default) still holds; eight days on it is over.
    const sixDays = await atRemovalClock(owner, new Date(Date.now() + 6 * DAY_MS), () =>
      purgeDueProjects(attacker),
    );
    expect(sixDays.map((p) => p.projectId)).not.toContain(projectId);
    const eightDays = await atRemovalClock(owner, new Date(Date.now() + 8 * DAY_MS), () =>
      purgeDueProjects(attacker),
    );
    expect(eightDays.map((p) => p.projectId)).toContain(projectId);
    expect(await projectExists(owner, projectId)).toBe(false);
    expect(await eventCount(owner, projectId)).toBe(0);
    const log = await selectOperatorLog(owner, projectId);
    expect(log.at(-1)).toMatchObject({
      action: "project.purged",
      detail: { last_seq: 3, deletion_requested_at: requestedAt },
    });
  });

  it("when a deletion is requested through the service with no grace, then the response and the purge keep the owner's floor", async () => {
    const { owner, attacker } = context();
    const { projectId } = await newProject(attacker, "Short grace");
    const deletion = await requestProjectDeletion(attacker, projectId, "Short grace", {
      graceDays: 0,
    });
    const grace = Date.parse(deletion.purge_after) - Date.parse(deletion.deletion_requested_at);
    expect(grace).toBe(7 * DAY_MS);
    expect((await purgeDueProjects(attacker)).map((p) => p.projectId)).not.toContain(projectId);
    expect(await projectExists(owner, projectId)).toBe(true);
  });

  it("when events expire for real, then each removal writes its own operator_log row with the range and the checkpoint kept", async () => {
    const { owner, attacker } = context();
    const projectId = await projectWithEvents(attacker, 5);
    await attacker.query("UPDATE projects SET retention_days = 1 WHERE project_id = $1", [
      projectId,
    ]);
    const reports = await atRemovalClock(owner, new Date(Date.now() + 2 * DAY_MS), () =>
      purgeExpired(attacker, { granularity: "event" }),
    );
    expect(reports.find((report) => report.project_id === projectId)).toMatchObject({
      purged: 5,
      checkpoint_seq: 5,
    });
    const [project] = await owner.query<{ checkpoint_hash: string }>(
      "SELECT checkpoint_hash FROM projects WHERE project_id = $1",
      [projectId],
    );
    const removals = (await selectOperatorLog(owner, projectId)).filter(
      (entry) => entry.action === "events.purged" || entry.action === "events.partition_dropped",
    );
    const removed = removals.reduce((sum, entry) => sum + Number(entry.detail.events), 0);
    expect(removed).toBe(5);
    expect(removals.at(-1)?.detail).toMatchObject({
      to_seq: 5,
      checkpoint_seq: 5,
      checkpoint_hash: project?.checkpoint_hash,
    });
    expect(await logActions(owner, projectId)).toContain("project.retention_changed");
  });

  it("when operator_log rows are deleted, updated or truncated, then the statement is refused", async () => {
    const { owner, attacker, separateRoles } = context();
    const projectId = await projectWithEvents(attacker, 1);
    await attacker.query("UPDATE projects SET retention_days = 30 WHERE project_id = $1", [
      projectId,
    ]);
    const before = await logActions(owner, projectId);
    expect(before).toContain("project.retention_changed");
    for (const sql of [
      "DELETE FROM operator_log WHERE project_id = $1",
      "UPDATE operator_log SET detail = '{}' WHERE project_id = $1",
    ]) {
      await expect(attacker.query(sql, [projectId])).rejects.toThrow(
        /permission denied|append-only/,
      );
      // The guard's switch is the owner's (inside its functions): for another role it lifts
      // nothing. PGlite's one role is the owner, as the guard of events has it there too.
      if (!separateRoles) continue;
      await expect(
        attacker.transaction(async (tx) => {
          await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
          await tx.query(sql, [projectId]);
        }),
      ).rejects.toThrow(/permission denied|append-only/);
    }
    await expect(attacker.query("TRUNCATE operator_log")).rejects.toThrow(
      /permission denied|append-only/,
    );
    expect(await logActions(owner, projectId)).toEqual(before);
  });
}

describe.each(STORE_KINDS)("removals decided by the database on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });
  removalAttacks(() => ({ owner: t.store, attacker: t.store, separateRoles: false }));
});

describe.skipIf(!process.env.DATABASE_URL)(
  "removals attempted as the app's PostgreSQL role",
  () => {
    let t: TestStore;
    let appRole: AppRoleStore;
    beforeAll(async () => {
      t = await openTestStore("postgres");
      appRole = await openAppRoleStore(t.store);
    });
    afterAll(async () => {
      await appRole?.close();
      await t?.dispose();
    });
    removalAttacks(() => ({ owner: t.store, attacker: appRole.store, separateRoles: true }));

    it("when the app role moves the removal clock, lowers the floors, turns triggers off or deletes a project's row, then it is refused", async () => {
      const app = appRole.store;
      for (const sql of [
        "UPDATE removal_policy SET clock_offset = interval '100 days'",
        "UPDATE removal_policy SET min_retention_days = 1, min_deletion_grace_days = 0",
        "DELETE FROM removal_policy",
        "INSERT INTO removal_policy (singleton) VALUES (true)",
        "TRUNCATE removal_policy",
        "SET session_replication_role = replica",
        "ALTER TABLE projects DISABLE TRIGGER projects_removal_times",
        "ALTER TABLE operator_log DISABLE TRIGGER operator_log_append_only",
        "DROP TRIGGER projects_removal_times ON projects",
        "DELETE FROM projects",
      ]) {
        await expect(app.query(sql), sql).rejects.toThrow(/permission denied|must be owner/);
      }
      const [clock] = await t.store.query<{ offset: string; grace: number }>(
        "SELECT clock_offset::text AS offset, min_deletion_grace_days AS grace FROM removal_policy",
      );
      expect(clock).toEqual({ offset: "00:00:00", grace: 7 });
    });

    it("when the app role changes retention, then the record names it as the one who did", async () => {
      const app = appRole.store;
      const projectId = await projectWithEvents(app, 1);
      await app.query("UPDATE projects SET retention_days = 5 WHERE project_id = $1", [projectId]);
      const [changed] = await selectOperatorLog(t.store, projectId);
      expect(changed).toMatchObject({
        action: "project.retention_changed",
        detail: { to: 5, by: appRole.role },
      });
    });
  },
);
