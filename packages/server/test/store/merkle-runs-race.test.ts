import { createHash, randomUUID } from "node:crypto";
import { openTestStore, type TestStore } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendLeavesToTree } from "../../src/store/merkle.js";

const hashesOf = (label: string, count: number) =>
  Array.from({ length: count }, (_, i) =>
    createHash("sha256").update(`${label} ${i}`).digest("hex"),
  );

describe.skipIf(!process.env.DATABASE_URL)("runs written by two sessions at once", () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore("postgres");
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a run inside the range another session is writing is held uncommitted, then the two never both commit", async () => {
    const projectId = `prj_race_${randomUUID()}`;
    const hashes = hashesOf(projectId, 40);
    await appendLeavesToTree(t.store, projectId, 1, hashes.slice(0, 8));
    const [{ next } = { next: "0" }] = await t.store.query<{ next: string }>(
      `SELECT max(first_idx + octet_length(hashes) / 32) AS next FROM merkle_hash_runs WHERE project_id = $1`,
      [projectId],
    );
    const forgedAt = Number(next) + 3;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted = () => {};
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const forger = t.store.transaction(async (tx) => {
      await tx.query(
        "INSERT INTO merkle_hash_runs (project_id, first_idx, hashes) VALUES ($1, $2, sha256('forged'))",
        [projectId, forgedAt],
      );
      inserted();
      await held;
    });
    await insertedYet;
    const growth = appendLeavesToTree(t.store, projectId, 9, hashes.slice(8)).then(
      () => "stored",
      (error: Error) => error.message,
    );
    // Whichever comes first: the growth done, or waiting for the forger's lock.
    for (;;) {
      const waiting = await t.store.query(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
      );
      if (
        waiting.length > 0 ||
        (await Promise.race([growth, Promise.resolve("pending")])) !== "pending"
      )
        break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    release();
    await forger;
    await growth;
    const overlapping = await t.store.query(
      `SELECT a.first_idx FROM merkle_hash_runs a JOIN merkle_hash_runs b
         ON a.project_id = b.project_id AND a.first_idx < b.first_idx
        AND b.first_idx < a.first_idx + octet_length(a.hashes) / 32
       WHERE a.project_id = $1`,
      [projectId],
    );
    expect(overlapping).toEqual([]);
  });
});
