import {
  issueEvent,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import {
  inProjectGroup,
  outcomeOf,
  type ProjectWriter,
} from "../../src/services/events/group-commit.js";
import {
  type IngestResult,
  ingestEvents,
  listEvents,
  requestHash,
  verifyIntegrity,
} from "../../src/services/index.js";
import type { Queryable, Store } from "../../src/store/types.js";

type Work = (tx: Queryable) => Promise<unknown>;

/** A writer whose units are functions, run one after another in the shared transaction. */
const runEach: ProjectWriter<Work, unknown> = async (tx, units) => {
  const outcomes = [];
  for (const work of units) outcomes.push(await outcomeOf(() => work(tx)));
  return outcomes;
};

function inProjectWrite<T>(
  store: Store,
  projectId: string,
  size: number,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return inProjectGroup(store, projectId, size, work, runEach) as Promise<T>;
}

describe.each(STORE_KINDS)("group commit of one project's writes on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const txid = async (tx: { query: TestStore["store"]["query"] }) => {
    const [row] = await tx.query<{ id: string }>("SELECT txid_current()::text AS id");
    return row?.id as string;
  };
  const setting = async (name: string) =>
    t.store.query<{ value: string }>("SELECT value FROM settings WHERE name = $1", [name]);

  it("when writes arrive while one is in flight, then they share the next transaction and each gets its own outcome", async () => {
    const units = Array.from({ length: 6 }, (_, index) =>
      inProjectWrite(t.store, "prj_group", 1, async (tx) => {
        if (index === 3) throw new ServiceError("idempotency_conflict", "unit 3 conflicts");
        await tx.query("INSERT INTO settings (name, value) VALUES ($1, 'x')", [`group_${index}`]);
        return txid(tx);
      }),
    );
    const outcomes = await Promise.allSettled(units);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    const ids = outcomes.flatMap((outcome) =>
      outcome.status === "fulfilled" ? [outcome.value] : [],
    );
    // The first runs alone; the five that queued behind it share one transaction.
    expect(new Set(ids).size).toBe(2);
    expect(ids[1]).toBe(ids[4]);
    for (const index of [0, 1, 2, 4, 5]) expect(await setting(`group_${index}`)).toHaveLength(1);
    expect(await setting("group_3")).toHaveLength(0);
  });

  it("when concurrent ingests share a transaction and one reuses a key for another body, then only that one is 409", async () => {
    const { projectId } = await newProject(t.store);
    const reused = { idempotencyKey: "reused", requestHash: requestHash("POST", "/x", [1]) };
    await ingestEvents(t.store, projectId, [issueEvent(0)], reused);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) =>
        ingestEvents(
          t.store,
          projectId,
          [issueEvent(index + 1)],
          index === 4 ? { ...reused, requestHash: requestHash("POST", "/x", [2]) } : {},
        ),
      ),
    );
    const rejected = outcomes.flatMap((outcome) =>
      outcome.status === "rejected" ? [outcome] : [],
    );
    expect(rejected).toHaveLength(1);
    expect((rejected[0]?.reason as ServiceError | undefined)?.code).toBe("idempotency_conflict");
    const page = await listEvents(t.store, projectId, {}, { order: "asc", limit: 20 });
    expect(page.data.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(page.data.map((event) => event.prev_hash).slice(1)).toEqual(
      page.data.map((event) => event.hash).slice(0, -1),
    );
  });

  it("when ingests of different sizes share a transaction, then each gets its own events, in one gap-free range", async () => {
    const { projectId } = await newProject(t.store);
    const sizes = [1, 3, 2, 5, 1, 4];
    // On PostgreSQL the project's row is held until every ingest has queued: unheld, a fast
    // machine could commit each ingest before the next one reached the queue.
    let release = () => {};
    let holding: Promise<void> = Promise.resolve();
    if (kind === "postgres") {
      await new Promise<void>((locked) => {
        holding = t.store.transaction(async (tx) => {
          await tx.query("SELECT 1 FROM projects WHERE project_id = $1 FOR UPDATE", [projectId]);
          locked();
          await new Promise<void>((done) => {
            release = done;
          });
        });
      });
    }
    const ingests = Promise.all(
      sizes.map((size, unit) =>
        ingestEvents(
          t.store,
          projectId,
          Array.from({ length: size }, (_, n) => issueEvent(n, { summary: `unit ${unit} #${n}` })),
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await holding;
    const results = await ingests;
    results.forEach((result, unit) => {
      expect(result.events.map((event) => event.summary)).toEqual(
        Array.from({ length: sizes[unit] as number }, (_, n) => `unit ${unit} #${n}`),
      );
    });
    const all = results
      .flatMap((result) => result.events.map((event) => event.seq))
      .sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 16 }, (_, index) => index + 1));
    // A shared transaction appends once: its units' events share one receipt time.
    const receipts = new Set(results.map((result) => result.events[0]?.created_at));
    expect(receipts.size).toBeLessThan(sizes.length);
  });

  it("when one key comes several times in a shared transaction, then it is written once, replayed or 409", async () => {
    const { projectId } = await newProject(t.store);
    const body = [issueEvent(1), issueEvent(2)];
    const same = { idempotencyKey: "dup", requestHash: requestHash("POST", "/x", body) };
    const other = {
      idempotencyKey: "dup",
      requestHash: requestHash("POST", "/x", [issueEvent(3)]),
    };
    const bodies = [body, body, [issueEvent(3)], body];
    const options = [same, same, other, same];
    const [, ...keyed] = await Promise.allSettled([
      ingestEvents(t.store, projectId, [issueEvent(0)]),
      ...bodies.map((events, index) => ingestEvents(t.store, projectId, events, options[index])),
    ]);
    // Whichever use of the key arrives first writes; the same body replays it byte for
    // byte, the other body is 409 (or the other way round when the other body is first).
    const written = keyed.flatMap((outcome, index) =>
      outcome.status === "fulfilled" && !outcome.value.replayed ? [index] : [],
    );
    expect(written).toHaveLength(1);
    const writer = written[0] as number;
    const first = (keyed[writer] as PromiseFulfilledResult<IngestResult>).value;
    keyed.forEach((outcome, index) => {
      if (index === writer) return;
      if (options[index] === options[writer]) {
        expect(outcome.status).toBe("fulfilled");
        const again = (outcome as PromiseFulfilledResult<IngestResult>).value;
        expect(again.replayed).toBe(true);
        expect(JSON.stringify(again.events)).toBe(JSON.stringify(first.events));
      } else {
        expect(outcome.status).toBe("rejected");
        const reason = (outcome as PromiseRejectedResult).reason as ServiceError;
        expect(reason.code).toBe("idempotency_conflict");
      }
    });
    const page = await listEvents(t.store, projectId, {}, { order: "asc" });
    expect(page.data).toHaveLength(1 + first.events.length);
  });

  it("when a database error aborts a shared transaction, then the others run again alone and only that one fails", async () => {
    const blocker = inProjectWrite(t.store, "prj_fallback", 1, async (tx) => txid(tx));
    const ok1 = inProjectWrite(t.store, "prj_fallback", 1, async (tx) => {
      await tx.query("INSERT INTO settings (name, value) VALUES ('fallback_1', 'x')");
      return txid(tx);
    });
    const failing = inProjectWrite(t.store, "prj_fallback", 1, async (tx) => {
      await tx.query("SELECT 1 / 0");
    });
    const ok3 = inProjectWrite(t.store, "prj_fallback", 1, async (tx) => {
      await tx.query("INSERT INTO settings (name, value) VALUES ('fallback_3', 'x')");
      return txid(tx);
    });
    await blocker;
    await expect(failing).rejects.toThrow(/division by zero/);
    const [first, third] = await Promise.all([ok1, ok3]);
    expect(first).not.toBe(third);
    expect(await setting("fallback_1")).toHaveLength(1);
    expect(await setting("fallback_3")).toHaveLength(1);
  });

  it("when groups would grow past the event cap, then the rest waits for the next transaction", async () => {
    const sizes = [1, 3000, 3000, 1];
    const ids = await Promise.all(
      sizes.map((size) => inProjectWrite(t.store, "prj_cap", size, async (tx) => txid(tx))),
    );
    // [1] alone, then 3000 (3000 more would pass 5000), then 3000 + 1.
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[1]).not.toBe(ids[2]);
    expect(ids[2]).toBe(ids[3]);
  });

  it("when large batches of one project arrive at once, then several are written at a time and they still commit gap-free, chained and in the tree", async () => {
    const { projectId } = await newProject(t.store);
    const key = { idempotencyKey: "pipelined", requestHash: requestHash("POST", "/b", [0]) };
    const batch = (unit: number) =>
      Array.from({ length: 120 }, (_, n) => issueEvent(n, { summary: `unit ${unit} #${n}` }));
    const first = await ingestEvents(t.store, projectId, batch(0), key);
    let running = 0;
    let mostAtOnce = 0;
    const counting: Store = Object.create(t.store, {
      query: {
        value: async (sql: string, params?: readonly unknown[]) => {
          const append = sql.includes("chronicle_append");
          if (append) mostAtOnce = Math.max(mostAtOnce, ++running);
          try {
            return await t.store.query(sql, params);
          } finally {
            if (append) running -= 1;
          }
        },
      },
    });
    // The replay comes first: its group is refused (the key is used) after the groups behind
    // it were chained on the head it would have made, so they are chained again.
    const results = await Promise.all([
      ingestEvents(counting, projectId, batch(0), key),
      ...Array.from({ length: 5 }, (_, unit) => ingestEvents(counting, projectId, batch(unit + 1))),
    ]);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(results[0]?.replayed).toBe(true);
    expect(results[0]?.events).toEqual(first.events);
    const seqs = results.slice(1).flatMap((result) => result.events.map((event) => event.seq));
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, n) => 121 + n));
    const rows = await t.store.query<{ seq: string; prev_hash: string | null; hash: string }>(
      "SELECT seq, prev_hash, hash FROM events WHERE project_id = $1 ORDER BY seq",
      [projectId],
    );
    expect(rows.map((row) => Number(row.seq))).toEqual(
      Array.from({ length: 720 }, (_, n) => n + 1),
    );
    expect(rows.map((row) => row.prev_hash).slice(1)).toEqual(
      rows.map((row) => row.hash).slice(0, -1),
    );
    expect(await verifyIntegrity(t.store, projectId)).toMatchObject({ valid: true });
  });
});
