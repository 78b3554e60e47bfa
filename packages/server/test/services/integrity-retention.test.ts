import {
  atRemovalClock,
  issueEvent,
  issueEvents,
  newProject,
  newProjectWithEvents,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getProject,
  ingestEvents,
  listEvents,
  purgeExpired,
  updateProject,
  verifyIntegrity,
} from "../../src/services/index.js";

const DAY_MS = 86_400_000;

describe.each(STORE_KINDS)("integrity and retention on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const seeded = async (count: number) =>
    (await newProjectWithEvents(t.store, issueEvents(count))).projectId;

  /** Alters a stored row the way an attacker with database access would. */
  async function tamper(projectId: string, sql: string, seq: number) {
    await t.store.transaction(async (tx) => {
      await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
      await tx.query(`UPDATE events SET ${sql} WHERE project_id = $1 AND seq = $2`, [
        projectId,
        seq,
      ]);
    });
  }

  it("when nothing was altered, then the chain verifies end to end and in a range", async () => {
    const projectId = await seeded(30);
    const report = await verifyIntegrity(t.store, projectId);
    const [head] = (await listEvents(t.store, projectId, {}, { limit: 1 })).data;
    expect(report).toEqual({
      valid: true,
      first_invalid_seq: null,
      from_seq: 1,
      to_seq: 30,
      checked: 30,
      head_hash: head?.hash,
      checkpoint: null,
      signed_tree_size: 30,
      next_from_seq: null,
    });
    expect(await verifyIntegrity(t.store, projectId, { fromSeq: 10, toSeq: 20 })).toMatchObject({
      valid: true,
      from_seq: 10,
      to_seq: 20,
      checked: 11,
    });
  });

  it("when a row's content is altered in the database, then integrity names its exact seq", async () => {
    const projectId = await seeded(30);
    await tamper(projectId, "summary = 'nothing to see here'", 17);
    expect(await verifyIntegrity(t.store, projectId)).toMatchObject({
      valid: false,
      first_invalid_seq: 17,
    });
    expect((await verifyIntegrity(t.store, projectId, { toSeq: 16 })).valid).toBe(true);
    expect(await verifyIntegrity(t.store, projectId, { fromSeq: 18 })).toMatchObject({
      valid: true,
    });
  });

  it("when metadata or the time is altered, then that seq is reported too", async () => {
    const projectId = await seeded(10);
    await tamper(projectId, `metadata = '{"n": 999}'`, 4);
    expect((await verifyIntegrity(t.store, projectId)).first_invalid_seq).toBe(4);
    const other = await seeded(10);
    await tamper(other, "occurred_at = occurred_at + interval '1 millisecond'", 9);
    expect((await verifyIntegrity(t.store, other)).first_invalid_seq).toBe(9);
  });

  it("when a row is deleted from the middle, then the missing seq is reported", async () => {
    const projectId = await seeded(10);
    await t.store.transaction(async (tx) => {
      await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
      await tx.query("DELETE FROM events WHERE project_id = $1 AND seq = 6", [projectId]);
    });
    expect((await verifyIntegrity(t.store, projectId)).first_invalid_seq).toBe(6);
  });

  it("when the last row is re-hashed consistently, then the project's head hash catches it", async () => {
    const projectId = await seeded(5);
    await tamper(projectId, "hash = repeat('0', 64)", 5);
    expect((await verifyIntegrity(t.store, projectId)).first_invalid_seq).toBe(5);
  });

  it("when events expire, then purge removes them in bulk and the chain verifies from the checkpoint", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(
      t.store,
      projectId,
      Array.from({ length: 40 }, (_, i) => issueEvent(i)),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const boundary = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await ingestEvents(
      t.store,
      projectId,
      Array.from({ length: 10 }, (_, i) => issueEvent(i)),
    );
    const keepForever = await seeded(5);

    // Retention 1 day, and "now" is 1 day after the boundary: the first 40 are expired.
    await updateProject(t.store, projectId, { retention_days: 1 });
    const [expiredHead] = (
      await listEvents(t.store, projectId, {}, { order: "asc", limit: 40 })
    ).data.slice(-1);
    const reports = await atRemovalClock(t.store, new Date(boundary + DAY_MS), () =>
      purgeExpired(t.store),
    );
    expect(reports).toEqual([{ project_id: projectId, purged: 40, checkpoint_seq: 40 }]);

    const left = await listEvents(t.store, projectId, {}, { order: "asc", includeTotal: true });
    expect(left.total).toBe(10);
    expect(left.data[0]?.seq).toBe(41);
    expect((await getProject(t.store, projectId)).counts.events).toBe(10);
    expect(await verifyIntegrity(t.store, projectId)).toMatchObject({
      valid: true,
      from_seq: 41,
      to_seq: 50,
      checked: 10,
      checkpoint: { seq: 40, hash: expiredHead?.hash },
    });
    // A second purge at the same time has nothing to do; the project without retention is kept.
    expect(
      await atRemovalClock(t.store, new Date(boundary + DAY_MS), () => purgeExpired(t.store)),
    ).toEqual([]);
    expect((await verifyIntegrity(t.store, keepForever)).checked).toBe(5);

    // New events chain on from the head, and the checkpointed chain still verifies.
    await ingestEvents(t.store, projectId, [issueEvent(99)]);
    expect((await verifyIntegrity(t.store, projectId)).valid).toBe(true);
  });

  it("when everything expired, then the purge empties the project and verifying still works", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(
      t.store,
      projectId,
      Array.from({ length: 12 }, (_, i) => issueEvent(i)),
    );
    await updateProject(t.store, projectId, { retention_days: 2 });
    const reports = await atRemovalClock(t.store, new Date(Date.now() + 3 * DAY_MS), () =>
      purgeExpired(t.store),
    );
    expect(reports.find((report) => report.project_id === projectId)).toEqual({
      project_id: projectId,
      purged: 12,
      checkpoint_seq: 12,
    });
    expect(await verifyIntegrity(t.store, projectId)).toMatchObject({ valid: true, checked: 0 });
    const { events } = await ingestEvents(t.store, projectId, [issueEvent(1)]);
    expect(events[0]?.seq).toBe(13);
    expect(await verifyIntegrity(t.store, projectId)).toMatchObject({ valid: true, checked: 1 });
  });
});
