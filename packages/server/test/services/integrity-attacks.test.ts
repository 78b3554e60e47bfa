// Attacks by someone with database access, each of which once went unnoticed (issue 13):
// they must now fail loudly.
import { randomBytes } from "node:crypto";
import {
  type AppRoleStore,
  atRemovalClock,
  issueEvent,
  issueEvents,
  newProject,
  newProjectWithEvents,
  openAppRoleStore,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import type { Event } from "@chronicle/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashEvent } from "../../src/services/events/hash-chain.js";
import {
  ingestEvents,
  issueViewerToken,
  listEvents,
  purgeExpired,
  signLatest,
  TreeIntegrityError,
  updateProject,
  verifyIntegrity,
  verifyViewerToken,
} from "../../src/services/index.js";
import { signPendingCheckpoints } from "../../src/services/integrity/checkpoints.js";
import { sign } from "../../src/services/integrity/signing.js";
import type { Store } from "../../src/store/index.js";

const DAY_MS = 86_400_000;

describe.each(STORE_KINDS)("attacks on the log with database access on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function seeded(count: number) {
    const { projectId, adminKey } = await newProjectWithEvents(
      t.store,
      issueEvents(count, (n) => ({ workspace_id: `ws_${n % 2}` })),
    );
    await signLatest(t.store, projectId);
    return { projectId, adminKey };
  }

  /** The project grows by an event; signing it is refused, and integrity reports no signed tree. */
  async function expectSigningRefusedAfterGrowth(projectId: string) {
    await ingestEvents(t.store, projectId, [issueEvent(50)]);
    await expect(signLatest(t.store, projectId)).rejects.toThrow(TreeIntegrityError);
    expect(await verifyIntegrity(t.store, projectId)).toMatchObject({
      valid: false,
      signed_tree_size: null,
    });
  }

  async function events(projectId: string): Promise<Event[]> {
    return (await listEvents(t.store, projectId, {}, { order: "asc", limit: 200 })).data;
  }

  /**
   * Rewrites events from `fromSeq` on as a DBA would: new metadata, every hash and link
   * recomputed, the project's head moved, so that the chain agrees with itself.
   */
  async function rewrite(projectId: string, fromSeq: number) {
    const all = await events(projectId);
    let prev = all.find((event) => event.seq === fromSeq - 1)?.hash ?? null;
    await t.store.transaction(async (tx) => {
      await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
      for (const event of all.filter((e) => e.seq >= fromSeq)) {
        const forged = { ...event, metadata: { rewritten: true }, prev_hash: prev };
        const hash = hashEvent(forged);
        await tx.query(
          "UPDATE events SET metadata = $3, prev_hash = $4, hash = $5 WHERE project_id = $1 AND seq = $2",
          [projectId, event.seq, JSON.stringify(forged.metadata), prev, hash],
        );
        prev = hash;
      }
      await tx.query("UPDATE projects SET last_hash = $2 WHERE project_id = $1", [projectId, prev]);
    });
  }

  it("when a range is rewritten with a recomputed chain, then integrity names its first seq", async () => {
    const { projectId } = await seeded(40);
    await rewrite(projectId, 23);
    const report = await verifyIntegrity(t.store, projectId);
    expect(report).toMatchObject({ valid: false, first_invalid_seq: 23, signed_tree_size: 40 });
    // A range that starts inside the rewrite is caught at its start as well.
    expect(await verifyIntegrity(t.store, projectId, { fromSeq: 30 })).toMatchObject({
      valid: false,
      first_invalid_seq: 30,
    });
    // The untouched prefix still verifies.
    expect(await verifyIntegrity(t.store, projectId, { toSeq: 22 })).toMatchObject({
      valid: true,
    });
  });

  it("when the retention checkpoint row is forged over rewritten rows, then integrity is not fooled", async () => {
    const { projectId } = await seeded(30);
    await rewrite(projectId, 1);
    const rewritten = await events(projectId);
    const at10 = rewritten.find((event) => event.seq === 10);
    await t.store.query(
      "UPDATE projects SET checkpoint_seq = 10, checkpoint_hash = $2 WHERE project_id = $1",
      [projectId, at10?.hash],
    );
    const report = await verifyIntegrity(t.store, projectId, { fromSeq: 1 });
    expect(report.valid).toBe(false);
    // The rows a purge would have removed are still there, so they are checked too.
    expect(report.first_invalid_seq).toBe(1);
  });

  it("when the checkpoint row is forged after a real purge, then the link into the kept range fails", async () => {
    const { projectId } = await seeded(25);
    await updateProject(t.store, projectId, { retention_days: 1 });
    // Everything received so far is past retention three days from now.
    const reports = await atRemovalClock(t.store, new Date(Date.now() + 3 * DAY_MS), () =>
      purgeExpired(t.store),
    );
    expect(reports.find((r) => r.project_id === projectId)?.checkpoint_seq).toBe(25);
    const fresh = await ingestEvents(t.store, projectId, [issueEvent(100), issueEvent(101)]);
    expect(fresh.events[0]?.seq).toBe(26);
    expect(await verifyIntegrity(t.store, projectId)).toMatchObject({ valid: true, from_seq: 26 });
    // Proofs and consistency survive the purge: the tree kept its hashes.
    await expect(signLatest(t.store, projectId)).resolves.toMatchObject({ tree_size: 27 });
    await t.store.query("UPDATE projects SET checkpoint_hash = $2 WHERE project_id = $1", [
      projectId,
      "0".repeat(64),
    ]);
    expect(await verifyIntegrity(t.store, projectId)).toMatchObject({
      valid: false,
      first_invalid_seq: 26,
    });
  });

  it("when the stored tree is rewritten too, then the server refuses to sign it", async () => {
    const { projectId } = await seeded(12);
    await t.store.transaction(async (tx) => {
      await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
      // Every stored hash replaced, every run's length kept.
      await tx.query(
        `UPDATE merkle_hash_runs SET hashes = (
           SELECT string_agg(sha256(substring(hashes FROM i * 32 + 1 FOR 32)), ''::bytea ORDER BY i)
           FROM generate_series(0, octet_length(hashes) / 32 - 1) AS i)
         WHERE project_id = $1`,
        [projectId],
      );
    });
    await expectSigningRefusedAfterGrowth(projectId);
    // The schedule passes it over, and signs the projects that grew honestly.
    const healthy = await seeded(2);
    await ingestEvents(t.store, healthy.projectId, [issueEvent(51)]);
    const { refused } = await signPendingCheckpoints(t.store);
    expect(refused.map((entry) => entry.projectId)).toContain(projectId);
    expect(refused.map((entry) => entry.projectId)).not.toContain(healthy.projectId);
    const [latest] = await t.store.query<{ tree_size: string }>(
      "SELECT max(tree_size) AS tree_size FROM checkpoints WHERE project_id = $1",
      [healthy.projectId],
    );
    expect(Number(latest?.tree_size)).toBe(3);
  });

  it("when unsigned checkpoint rows hide the real ones, then the server refuses to sign without them", async () => {
    const { projectId } = await seeded(5);
    const [real] = await t.store.query<{ note: string; key_id: string }>(
      "SELECT note, key_id FROM checkpoints WHERE project_id = $1",
      [projectId],
    );
    // 101 rows above the tree's size, each with the real note's signature line under a
    // size and root it does not sign.
    await t.store.query(
      `INSERT INTO checkpoints (project_id, tree_size, root_hash, note, key_id)
       SELECT $1, 1000 + n, sha256(int8send(n)), $2 || n, $3 FROM generate_series(1, 101) AS n`,
      [projectId, real?.note, real?.key_id],
    );
    await expectSigningRefusedAfterGrowth(projectId);
  });

  it("when a viewer token is forged with the secret the settings table used to hold, then it is refused", async () => {
    const { projectId, adminKey } = await seeded(3);
    const oldSecret = randomBytes(32);
    // What migrations before 0006 stored: an attacker who read it signs a token with it.
    await t.store.query(
      "INSERT INTO settings (name, value) VALUES ('hmac_secret', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      [oldSecret.toString("base64url")],
    );
    const real = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      {
        workspace_id: "ws_0",
      },
    );
    expect(await verifyViewerToken(t.store, real.token)).not.toBeNull();
    const [, body = ""] = /^chv_([^.]+)\./.exec(real.token) ?? [];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    const widened = { ...payload, w: "ws_1", x: Math.floor(Date.now() / 1000) + 10 * 365 * 86400 };
    const forged = `chv_${sign(oldSecret, "viewer-token", widened)}`;
    expect(await verifyViewerToken(t.store, forged)).toBeNull();
    const replayed = `chv_${sign(oldSecret, "viewer-token", payload)}`;
    expect(await verifyViewerToken(t.store, replayed)).toBeNull();
  });
});

describe.skipIf(!process.env.DATABASE_URL)(
  "the app's PostgreSQL role under least privilege",
  () => {
    let t: TestStore;
    let appRole: AppRoleStore;
    let app: Store;
    beforeAll(async () => {
      t = await openTestStore("postgres");
      appRole = await openAppRoleStore(t.store);
      app = appRole.store;
    });
    afterAll(async () => {
      await appRole?.close();
      await t?.dispose();
    });

    it("when the app role lifts the guard with set_config, then events still cannot change", async () => {
      const { projectId } = await newProject(app);
      await ingestEvents(app, projectId, [issueEvent(1), issueEvent(2)]);
      for (const sql of [
        "UPDATE events SET summary = 'forged' WHERE project_id = $1",
        "DELETE FROM events WHERE project_id = $1",
        // A statement on a partition skips the parent's guard: the role has no rights there.
        "DELETE FROM events_default WHERE project_id = $1",
        `DELETE FROM events_p${new Date().toISOString().slice(0, 7).replace("-", "_")} WHERE project_id = $1`,
        "UPDATE merkle_hash_runs SET hashes = sha256(hashes) WHERE project_id = $1",
        "DELETE FROM merkle_hash_runs WHERE project_id = $1",
        "INSERT INTO merkle_hashes (project_id, idx, hash) VALUES ($1, 1000000, sha256(''))",
        "DELETE FROM checkpoints WHERE project_id = $1",
      ]) {
        await expect(
          app.transaction(async (tx) => {
            await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
            await tx.query(sql, [projectId]);
          }),
        ).rejects.toThrow(/permission denied|append-only/);
      }
      // A run inserted inside a stored one would shadow its hashes, even with the check's
      // table shadowed in turn by a temporary one of the session.
      const [schema] = await app.query<{ name: string }>("SELECT current_schema() AS name");
      await expect(
        app.transaction(async (tx) => {
          await tx.query(
            `CREATE TEMPORARY TABLE merkle_hash_runs (LIKE "${schema?.name}".merkle_hash_runs)`,
          );
          await tx.query(
            `INSERT INTO "${schema?.name}".merkle_hash_runs (project_id, first_idx, hashes) VALUES ($1, 1, sha256(''))`,
            [projectId],
          );
        }),
      ).rejects.toThrow(/append-only/);
      await expect(
        app.query("ALTER TABLE events DISABLE TRIGGER events_append_only"),
      ).rejects.toThrow(/must be owner|permission denied/);
      await expect(app.query("TRUNCATE events")).rejects.toThrow(/permission denied/);
      await expect(
        app.query("SELECT chronicle_create_event_partitions('month', now(), now())"),
      ).resolves.toBeDefined();
      await expect(app.query("ALTER TABLE events DETACH PARTITION events_default")).rejects.toThrow(
        /must be owner|permission denied/,
      );
      expect(await verifyIntegrity(app, projectId)).toMatchObject({ valid: true, checked: 2 });
    });

    it("when retention runs as the app role, then it purges through the owner's function only", async () => {
      const { projectId } = await newProject(app);
      await ingestEvents(app, projectId, [issueEvent(1), issueEvent(2), issueEvent(3)]);
      await updateProject(app, projectId, { retention_days: 1 });
      const reports = await atRemovalClock(t.store, new Date(Date.now() + 3 * DAY_MS), () =>
        purgeExpired(app),
      );
      expect(reports.find((r) => r.project_id === projectId)).toMatchObject({ purged: 3 });
      expect(await verifyIntegrity(app, projectId)).toMatchObject({ valid: true });
    });
  },
);
