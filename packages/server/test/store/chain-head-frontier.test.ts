import { createHash } from "node:crypto";
import {
  countingQueries,
  issueEvents,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendHashes,
  eventLeafHash,
  frontierNeeds,
  lookupIn,
  rootOfLeaves,
} from "../../src/domain/merkle.js";
import { ingestEvents, signLatest } from "../../src/services/index.js";
import { recordInTransaction } from "../../src/services/system/system-events.js";
import { readChainHeadWithFrontier } from "../../src/store/events.js";
import { appendLeavesToTree } from "../../src/store/merkle.js";
import type { Queryable } from "../../src/store/types.js";

const eventHash = (i: number) => createHash("sha256").update(`leaf ${i}`).digest("hex");

/**
 * An append chained on the committed head reads the head and its tree's frontier in one
 * round trip (migration 0029): the frontier the database computes is the one
 * domain/merkle.ts `frontierNeeds` names, with the hashes the tree stores there.
 */
describe.each(STORE_KINDS)("the chain head with its frontier (%s)", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the tree has any size, then the frontier read with the head is frontierNeeds(size) with the stored hashes", async () => {
    const { projectId } = await newProject(t.store);
    const empty = await readChainHeadWithFrontier(t.store, projectId, false);
    expect(empty?.head.lastSeq).toBe(0);
    expect(empty?.frontier.size).toBe(0);

    const hashes: string[] = [];
    const sizes = [
      ...Array.from({ length: 70 }, (_, i) => i + 1),
      127,
      128,
      129,
      1000,
      1023,
      1024,
      1025,
      4097,
    ];
    for (const size of sizes) {
      const added = Array.from({ length: size - hashes.length }, (_, i) =>
        eventHash(hashes.length + i),
      );
      await appendLeavesToTree(t.store, projectId, hashes.length + 1, added);
      hashes.push(...added);
      await t.store.query("UPDATE projects SET last_seq = $2 WHERE project_id = $1", [
        projectId,
        size,
      ]);
      const tree = appendHashes(0, hashes.map(eventLeafHash), lookupIn(new Map()));
      const read = await readChainHeadWithFrontier(t.store, projectId, false);
      expect(read?.head.lastSeq).toBe(size);
      const expected = frontierNeeds(size).map((index) => [
        index,
        tree.get(index)?.toString("hex"),
      ]);
      expect(
        [...(read?.frontier ?? [])].sort(([a], [b]) => a - b),
        `size ${size}`,
      ).toEqual(expected.sort(([a], [b]) => (a as number) - (b as number)));
    }
  });

  it("when an append locks the head first, then the head and the frontier are one statement and the tree stays right", async () => {
    const { projectId } = await newProject(t.store);
    await ingestEvents(t.store, projectId, issueEvents(5));
    const sent = await t.store.transaction(async (tx) => {
      const counting = countingQueries(tx as unknown as Parameters<typeof countingQueries>[0]);
      await recordInTransaction(
        counting.store,
        projectId,
        { id: "usr_1", type: "user" },
        {
          action: "project.updated",
          target: { type: "project", id: projectId },
        },
      );
      return counting.statements;
    });
    expect(sent.filter((sql) => /chronicle_chain_head/.test(sql))).toHaveLength(1);
    expect(sent.filter((sql) => /merkle_hash_runs/.test(sql))).toHaveLength(0);
    expect(sent.filter((sql) => /chronicle_append/.test(sql))).toHaveLength(1);

    const rows = await t.store.query<{ hash: string }>(
      "SELECT hash FROM events WHERE project_id = $1 ORDER BY seq",
      [projectId],
    );
    expect(rows).toHaveLength(6);
    const checkpoint = await signLatest(t.store, projectId);
    expect(checkpoint.tree_size).toBe(6);
    const root = rootOfLeaves(rows.map((row) => eventLeafHash(row.hash)));
    expect(checkpoint.root_hash).toBe(root.toString("base64"));
  });

  it("when there is no such project, then nothing is read", async () => {
    await expect(readChainHeadWithFrontier(t.store, "prj_missing", true)).resolves.toBeUndefined();
  });
});

describe.skipIf(!process.env.DATABASE_URL)(
  "the chain head's plan on a run table vacuumed while empty",
  () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore("postgres");
    });
    afterAll(async () => {
      await t?.dispose();
    });

    it("when the head was first read while the tree held a few runs, then with thousands it reads none of the others", async () => {
      // PL/pgSQL keeps a statement's plan for the session: planned on a table that stood as
      // vacuumed empty, each frontier level read every run of every project (B60, 0035).
      await t.store.query("VACUUM ANALYZE merkle_hash_runs");
      const { projectId } = await newProject(t.store);
      await ingestEvents(t.store, projectId, issueEvents(3));
      const scanned = async (db: Queryable) => {
        const [counts] = await db.query<{ read: string }>(
          `SELECT seq_tup_read AS read FROM pg_stat_xact_user_tables
         WHERE relid = 'merkle_hash_runs'::regclass`,
        );
        return Number(counts?.read);
      };
      const { read, before, after } = await t.store.transaction(async (tx) => {
        // Past the five calls after which a session may keep one plan for every call.
        let first: Awaited<ReturnType<typeof readChainHeadWithFrontier>>;
        for (let call = 0; call < 8; call++) {
          first = await readChainHeadWithFrontier(tx, projectId, false);
        }
        await tx.query(
          `INSERT INTO merkle_hash_runs (project_id, first_idx, hashes)
         SELECT 'prj_elsewhere', g, decode(repeat('00', 32), 'hex') FROM generate_series(1, 20000) AS g`,
        );
        const start = await scanned(tx);
        const last = await readChainHeadWithFrontier(tx, projectId, false);
        return { read: (await scanned(tx)) - start, before: first, after: last };
      });
      expect(after?.frontier.size).toBe(2);
      expect(after).toEqual(before);
      expect(read).toBe(0);
    });
  },
);
