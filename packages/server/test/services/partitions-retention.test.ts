import {
  atRemovalClock,
  collect,
  issueEvent,
  issueEvents,
  newProject,
  openTestStore,
  STORE_KINDS,
  searchIndexOptions,
  type TestStore,
} from "@chronicle/test-kit";
import { afterEach, describe, expect, it } from "vitest";
import {
  exportEvents,
  ingestEvents,
  maintainEventPartitions,
  proveInclusion,
  purgeExpired,
  removeDetachedPartitions,
  signLatest,
  updateProject,
  verifyIntegrity,
} from "../../src/services/index.js";
import { dropEventPartition, selectEventPartitions } from "../../src/store/event-partitions.js";
import type { Store } from "../../src/store/types.js";

const DAY_MS = 86_400_000;
const BUILTIN = { width: "month", ahead: 3, manager: "builtin" } as const;

/** The partition (or `events_default`) holding each of the project's events, by seq. */
async function homes(store: Store, projectId: string): Promise<string[]> {
  const rows = await store.query<{ home: string }>(
    "SELECT tableoid::regclass::text AS home FROM events WHERE project_id = $1 ORDER BY seq",
    [projectId],
  );
  return rows.map((row) => row.home);
}

/**
 * After a purge raced an append of `writer` (this file's clocks make today's partition the
 * expired one, so the append may land in it): when the drop gave up on the partition (a row
 * it had not accounted for arrived before its locks, migration 0027), purges again; then the
 * writer's row is either kept or reported purged, and the partition stays only for it.
 */
async function expectEveryRowAccounted(
  store: Store,
  race: { first: Awaited<ReturnType<typeof purgeAt>>; at: Date; partition: string; writer: string },
) {
  const stayed = (await selectEventPartitions(store)).some((p) => p.name === race.partition);
  const reports = stayed
    ? [...race.first, ...(await purgeAt(store, race.at, { granularity: "partition" }))]
    : race.first;
  const writerPurged = reports.find((report) => report.project_id === race.writer)?.purged ?? 0;
  const writerHomes = await homes(store, race.writer);
  expect(writerHomes.length + writerPurged).toBe(1);
  const left = (await selectEventPartitions(store)).map((p) => p.name);
  if (left.includes(race.partition)) expect(writerHomes).toEqual([race.partition]);
  return reports;
}

async function projectWithEvents(store: Store, count: number, retentionDays: number | null) {
  const { projectId } = await newProject(store);
  await ingestEvents(store, projectId, issueEvents(count));
  await updateProject(store, projectId, { retention_days: retentionDays });
  return projectId;
}

/** The purge as it runs when the database's removal clock reads `at`. */
function purgeAt(store: Store, at: Date, options: Parameters<typeof purgeExpired>[1]) {
  return atRemovalClock(store, at, () => purgeExpired(store, options));
}

/** The tables of detached partitions whose files are not removed yet. */
async function detachedTables(store: Store): Promise<string[]> {
  const rows = await store.query<{ name: string }>(
    "SELECT relname AS name FROM pg_class WHERE relname LIKE 'events\\_expired\\_%' AND relkind = 'r'",
  );
  return rows.map((row) => row.name);
}

/** The partition holding the project's events (they were all received just now). */
async function partitionOf(store: Store, projectId: string) {
  const [home] = await homes(store, projectId);
  const partition = (await selectEventPartitions(store)).find((p) => p.name === home);
  if (!partition) throw new Error(`events of ${projectId} are in ${home}, not a range partition`);
  return partition;
}

/** A project's 5 events in their partition, and a time when that partition has expired. */
async function expiredPartition(store: Store) {
  const projectId = await projectWithEvents(store, 5, 30);
  const partition = await partitionOf(store, projectId);
  return { projectId, partition, at: new Date(partition.upper.getTime() + 31 * DAY_MS) };
}

/**
 * A transaction on a second connection that has run `statement` (so it holds the locks that
 * takes) and stays open until `release`; `transaction` settles when it has ended.
 */
async function holdingInTransaction(t: TestStore | undefined, statement: string) {
  const other = await t?.reopen();
  if (!other) throw new Error("no second connection");
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let holding = () => {};
  const held = new Promise<void>((resolve) => {
    holding = resolve;
  });
  const transaction = other.transaction(async (tx) => {
    await tx.query(statement);
    holding();
    await released;
  });
  await held;
  return { release, transaction };
}

/** A reader of `events`, which holds the table (and every partition) while it is open. */
const readerHoldingEvents = (t: TestStore | undefined) =>
  holdingInTransaction(t, "SELECT count(*) FROM events");

/** What VACUUM and ANALYZE hold (autovacuum's, all day on the partition ingest fills). */
const vacuumHolding = (t: TestStore | undefined, partition: string) =>
  holdingInTransaction(t, `LOCK TABLE ONLY "${partition}" IN SHARE UPDATE EXCLUSIVE MODE`);

describe.each(STORE_KINDS)("events partitions and retention on %s", (kind) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });
  const fresh = async () => {
    t = await openTestStore(kind);
    return t.store;
  };

  it("when maintenance runs, then partitions cover now and the periods ahead, and rows past them wait in the default partition until theirs is made", async () => {
    const store = await fresh();
    const now = new Date();
    expect(await maintainEventPartitions(store, BUILTIN, now)).toMatchObject({
      manager: "builtin",
    });
    const partitions = await selectEventPartitions(store);
    const current = partitions.find((p) => p.lower <= now && now < p.upper);
    expect(current?.name).toBe(`events_p${now.toISOString().slice(0, 7).replace("-", "_")}`);
    const inThreeMonths = new Date(now);
    inThreeMonths.setUTCMonth(inThreeMonths.getUTCMonth() + 3);
    expect(partitions.at(-1)?.upper.getTime()).toBeGreaterThan(inThreeMonths.getTime());

    // A receipt time no partition covers yet: the row goes to the default partition, and
    // the partition made for it later takes it over.
    const future = new Date((partitions.at(-1)?.upper.getTime() ?? 0) + 45 * DAY_MS);
    const futureName = `events_p${future.toISOString().slice(0, 7).replace("-", "_")}`;
    const { projectId } = await newProject(store);
    await store.query(
      `INSERT INTO events (project_id, seq, id, action, actor_type, actor_id, occurred_at,
         created_at, hash, search_text)
       VALUES ($1, 1, 'evt_future', 'user.login', 'user', 'u1', $2, $2, 'h', '')`,
      [projectId, future.toISOString()],
    );
    expect(await homes(store, projectId)).toEqual(["events_default"]);
    const later = await maintainEventPartitions(store, { ...BUILTIN, ahead: 0 }, future);
    expect(later.created).toBe(2);
    expect(await homes(store, projectId)).toEqual([futureName]);
    // The new partition carries the append-only guard itself.
    await expect(store.query(`DELETE FROM ${futureName}`)).rejects.toThrow(/append-only/);
    // Daily partitions continue where the monthly ones end.
    const lastMonthly = (await selectEventPartitions(store)).at(-1);
    if (!lastMonthly) throw new Error("no partitions");
    await maintainEventPartitions(
      store,
      { width: "day", ahead: 1, manager: "builtin" },
      lastMonthly.upper,
    );
    const next = (await selectEventPartitions(store)).find(
      (p) => p.lower.getTime() === lastMonthly.upper.getTime(),
    );
    expect(next?.name).toBe(
      `events_p${lastMonthly.upper.toISOString().slice(0, 10).replaceAll("-", "_")}`,
    );
    expect(next?.upper.getTime()).toBe(lastMonthly.upper.getTime() + DAY_MS);
  }, 90_000);

  it("when every project in a partition shares a retention, then the purge drops the partition whole and verification, proofs and export go on", async () => {
    const store = await fresh();
    const first = await projectWithEvents(store, 20, 30);
    const second = await projectWithEvents(store, 15, 30);
    await signLatest(store, first);
    const partition = await partitionOf(store, first);
    const at = new Date(partition.upper.getTime() + 31 * DAY_MS);

    const reports = await purgeAt(store, at, { granularity: "partition" });
    expect(reports).toEqual(
      expect.arrayContaining([
        { project_id: first, purged: 20, checkpoint_seq: 20 },
        { project_id: second, purged: 15, checkpoint_seq: 15 },
      ]),
    );
    expect((await selectEventPartitions(store)).map((p) => p.name)).not.toContain(partition.name);
    expect(await homes(store, first)).toEqual([]);
    expect(await verifyIntegrity(store, first)).toMatchObject({
      valid: true,
      checked: 0,
      checkpoint: { seq: 20 },
    });

    // Appends chain on; proofs of dropped events still come from the kept tree.
    const { events } = await ingestEvents(store, first, [issueEvent(21)]);
    expect(events[0]?.seq).toBe(21);
    expect(await verifyIntegrity(store, first)).toMatchObject({ valid: true, checked: 1 });
    await expect(signLatest(store, first)).resolves.toMatchObject({ tree_size: 21 });
    await expect(proveInclusion(store, first, 5)).resolves.toMatchObject({ tree_size: 21 });
    const exported = await collect(exportEvents(store, first, {}));
    expect(exported.map((event) => event.seq)).toEqual([21]);

    // Its receipt time's partition was dropped with "now" in the future: the row waits in
    // the default partition until maintenance makes the partition again.
    await maintainEventPartitions(store, BUILTIN);
    expect(await homes(store, first)).toEqual([partition.name]);
    expect(await verifyIntegrity(store, first)).toMatchObject({ valid: true, checked: 1 });
  });

  it("when a run detached a partition and stopped before dropping its table, then the events are gone from the table, the checkpoint moved, and the next run drops it", async () => {
    const store = await fresh();
    const projectId = await projectWithEvents(store, 8, 30);
    const partition = await partitionOf(store, projectId);
    const at = new Date(partition.upper.getTime() + 31 * DAY_MS);
    const leftover = `events_expired_${partition.name}`;
    const tables = async () =>
      (
        await store.query<{ name: string }>(
          "SELECT relname AS name FROM pg_class WHERE relname = $1 AND relkind = 'r'",
          [leftover],
        )
      ).map((row) => row.name);

    // The first of the purge's two steps alone: the detach, in its own transaction.
    expect(
      await atRemovalClock(store, at, () => dropEventPartition(store, partition.name, 1000)),
    ).toEqual([{ project_id: projectId, purged: 8, checkpoint_seq: 8 }]);
    expect(await tables()).toEqual([leftover]);
    expect((await selectEventPartitions(store)).map((p) => p.name)).not.toContain(partition.name);
    expect(await homes(store, projectId)).toEqual([]);
    expect(await verifyIntegrity(store, projectId)).toMatchObject({
      valid: true,
      checkpoint: { seq: 8 },
    });

    // The next run's purge finds no more events to remove (it detaches the empty partitions
    // after it, expired too); its second step removes the tables.
    expect(await purgeAt(store, at, { granularity: "partition" })).toEqual([]);
    expect(await tables()).toEqual([leftover]);
    const left = await detachedTables(store);
    expect(left).toContain(leftover);
    expect(await removeDetachedPartitions(store)).toBe(left.length);
    expect(await detachedTables(store)).toEqual([]);
    expect(await removeDetachedPartitions(store)).toBe(0);
  });

  it("when the storage job purges an expired partition, then the events leave the table first and the detached table's files go in the job's second step", async () => {
    const store = await fresh();
    const projectId = await projectWithEvents(store, 6, 30);
    const partition = await partitionOf(store, projectId);
    const at = new Date(partition.upper.getTime() + 31 * DAY_MS);

    expect(await purgeAt(store, at, { granularity: "partition" })).toEqual([
      { project_id: projectId, purged: 6, checkpoint_seq: 6 },
    ]);
    expect(await homes(store, projectId)).toEqual([]);
    const detached = await detachedTables(store);
    expect(detached).toContain(`events_expired_${partition.name}`);
    expect((await selectEventPartitions(store)).map((p) => p.name)).not.toContain(partition.name);
    expect(await removeDetachedPartitions(store)).toBe(detached.length);
    expect(await detachedTables(store)).toEqual([]);
    expect(await verifyIntegrity(store, projectId)).toMatchObject({
      valid: true,
      checked: 0,
      checkpoint: { seq: 6 },
    });
  });

  it("when a project's receipt times went back across a partition bound, then neither partition is dropped and the rows go one by one in seq order", async () => {
    const store = await fresh();
    await maintainEventPartitions(store, BUILTIN);
    const [older, newer] = await selectEventPartitions(store);
    if (!older || !newer) throw new Error("no partitions");
    const { projectId } = await newProject(store);
    // seq 2 was received (a clock stepped back) in the partition before seq 1's and 3's.
    const at = (partition: typeof older, minutes: number) =>
      new Date(partition.lower.getTime() + minutes * 60_000).toISOString();
    for (const [seq, time] of [
      [1, at(newer, 1)],
      [2, at(older, 2)],
      [3, at(newer, 3)],
    ] as const) {
      await store.query(
        `INSERT INTO events (project_id, seq, id, action, actor_type, actor_id, occurred_at,
           created_at, hash, search_text)
         VALUES ($1, $2, $3, 'user.login', 'user', 'u1', $4, $4, $5, '')`,
        [projectId, seq, `evt_back_${seq}`, time, `h${seq}`],
      );
    }
    await store.query(
      "UPDATE projects SET last_seq = 3, retention_days = 1 WHERE project_id = $1",
      [projectId],
    );
    const later = new Date(newer.upper.getTime() + 2 * DAY_MS);

    // The older partition does not start the project's prefix; the newer one does, but
    // seq 2, between its first and last there, is elsewhere: both stay.
    expect(await purgeAt(store, later, { granularity: "partition" })).toEqual([
      { project_id: projectId, purged: 3, checkpoint_seq: 3 },
    ]);
    const names = (await selectEventPartitions(store)).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining([older.name, newer.name]));
    expect(await homes(store, projectId)).toEqual([]);
  });

  it("when projects in a partition keep events for different times, then rows are deleted per project and nothing of another project is lost", async () => {
    const store = await fresh();
    const short = await projectWithEvents(store, 20, 30);
    const long = await projectWithEvents(store, 12, 3650);
    const forever = await projectWithEvents(store, 7, null);
    const partition = await partitionOf(store, short);
    const at = new Date(partition.upper.getTime() + 31 * DAY_MS);

    const reports = await purgeAt(store, at, { granularity: "partition" });
    expect(reports).toEqual([{ project_id: short, purged: 20, checkpoint_seq: 20 }]);
    expect((await selectEventPartitions(store)).map((p) => p.name)).toContain(partition.name);
    expect(await homes(store, short)).toEqual([]);
    expect(await homes(store, long)).toHaveLength(12);
    expect(await homes(store, forever)).toHaveLength(7);
    for (const [projectId, checked] of [
      [short, 0],
      [long, 12],
      [forever, 7],
    ] as const) {
      expect(await verifyIntegrity(store, projectId)).toMatchObject({ valid: true, checked });
    }
  });

  it("when retention is partition-granular, then expired events wait for their whole partition; event-granular removes them at once", async () => {
    const store = await fresh();
    const projectId = await projectWithEvents(store, 10, 1);
    const partition = await partitionOf(store, projectId);
    const [newest] = await store.query<{ at: Date }>(
      "SELECT max(created_at) AS at FROM events WHERE project_id = $1",
      [projectId],
    );
    const at = new Date(new Date(newest?.at ?? 0).getTime() + DAY_MS + 1_000);
    // One second after the newest event expired, its partition has not ended (unless the
    // events were received in the partition's last second).
    if (at.getTime() - DAY_MS < partition.upper.getTime()) {
      expect(await purgeAt(store, at, { granularity: "partition" })).toEqual([]);
      expect(await homes(store, projectId)).toHaveLength(10);
    }
    expect(await purgeAt(store, at, { granularity: "event" })).toEqual([
      { project_id: projectId, purged: 10, checkpoint_seq: 10 },
    ]);
    expect(await verifyIntegrity(store, projectId)).toMatchObject({ valid: true, checked: 0 });
  });

  it.runIf(kind === "postgres")(
    "when a reader holds the events table, then the drop gives up within its lock timeout, ingest goes on, and the next run drops",
    async () => {
      const store = await fresh();
      const { projectId, partition, at } = await expiredPartition(store);
      const { release, transaction } = await readerHoldingEvents(t);
      try {
        const [reports] = await Promise.all([
          purgeAt(store, at, { granularity: "partition", lockTimeoutMs: 200 }),
          ingestEvents(store, projectId, [issueEvent(6)]),
        ]);
        // Nothing went row by row either: the partition waits for the next run.
        expect(reports).toEqual([]);
        expect(await homes(store, projectId)).toHaveLength(6);
        expect((await selectEventPartitions(store)).map((p) => p.name)).toContain(partition.name);
      } finally {
        release();
        await transaction;
      }
      expect(await purgeAt(store, at, { granularity: "partition" })).toEqual([
        { project_id: projectId, purged: 6, checkpoint_seq: 6 },
      ]);
    },
  );

  it.runIf(kind === "postgres")(
    "when a reader holds the events table, then the drop's request for its lock does not stop new writes, and the drop goes through once the reader is done",
    async () => {
      const store = await fresh();
      const { projectId, partition, at } = await expiredPartition(store);
      const { projectId: writer } = await newProject(store);
      const { release, transaction } = await readerHoldingEvents(t);
      let purge: Promise<unknown> = Promise.resolve();
      try {
        purge = purgeAt(store, at, { granularity: "partition", lockTimeoutMs: 5_000 });
        // A lock request queued behind the reader would hold this append until the reader
        // ends (the old detach): it must go through while the reader still holds the table.
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect((await ingestEvents(store, writer, [issueEvent(1)])).events).toHaveLength(1);
      } finally {
        release();
        await transaction;
      }
      // The append landed in the partition this test's clock expires while the drop waited
      // for the reader: the drop gave up rather than detach a row it had not accounted for
      // (migration 0027), and the next run takes both projects' rows, each with its report.
      const first = (await purge) as Awaited<ReturnType<typeof purgeAt>>;
      const reports = await expectEveryRowAccounted(store, {
        first,
        at,
        partition: partition.name,
        writer,
      });
      expect(reports).toContainEqual({ project_id: projectId, purged: 5, checkpoint_seq: 5 });
    },
  );

  it.runIf(kind === "postgres")(
    "when a vacuum holds a partition that has not expired, then the expired one is still detached, and appends go on meanwhile",
    async () => {
      const store = await fresh();
      await maintainEventPartitions(store, BUILTIN);
      const { projectId, partition, at } = await expiredPartition(store);
      const live = (await selectEventPartitions(store)).find((p) => p.upper > at);
      if (!live) throw new Error("maintenance made no partition past the purge's clock");
      const { release, transaction } = await vacuumHolding(t, live.name);
      try {
        const { projectId: writer } = await newProject(store);
        const [first, appended] = await Promise.all([
          purgeAt(store, at, { granularity: "partition", lockTimeoutMs: 200 }),
          ingestEvents(store, writer, [issueEvent(1)]),
        ]);
        // This test's clock makes today's partition the expired one, so the append may land
        // in it between the drop's first look and its locks: the drop then gives up, as for
        // a busy lock (migration 0027), and the next run takes it, the append's row too.
        expect(appended.events).toHaveLength(1);
        const reports = await expectEveryRowAccounted(store, {
          first,
          at,
          partition: partition.name,
          writer,
        });
        expect(reports).toContainEqual({ project_id: projectId, purged: 5, checkpoint_seq: 5 });
      } finally {
        release();
        await transaction;
      }
    },
  );

  it.runIf(kind === "postgres")(
    "when a later expired partition's lock is busy, then the run stops there and still reports what the partitions before it removed",
    async () => {
      const store = await fresh();
      await maintainEventPartitions(store, BUILTIN);
      const { projectId, partition, at } = await expiredPartition(store);
      const next = (await selectEventPartitions(store)).find(
        (p) => p.lower.getTime() === partition.upper.getTime(),
      );
      if (!next || next.upper > at) throw new Error("no empty expired partition after the first");
      const { release, transaction } = await vacuumHolding(t, next.name);
      try {
        expect(await purgeAt(store, at, { granularity: "partition", lockTimeoutMs: 100 })).toEqual([
          { project_id: projectId, purged: 5, checkpoint_seq: 5 },
        ]);
        expect((await selectEventPartitions(store)).map((p) => p.name)).toContain(next.name);
      } finally {
        release();
        await transaction;
      }
      expect(await purgeAt(store, at, { granularity: "partition" })).toEqual([]);
      expect((await selectEventPartitions(store)).map((p) => p.name)).not.toContain(next.name);
    },
  );

  it.runIf(kind === "postgres")(
    "when pg_partman is installed, then it takes the partitions over and retention still drops them",
    async () => {
      const store = await fresh();
      const [available] = await store.query(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_partman'",
      );
      if (!available) {
        console.warn("pg_partman is not installed (postgresql-15-partman): its path is not tested");
        return;
      }
      await store.query("CREATE SCHEMA partman");
      await store.query("CREATE EXTENSION pg_partman SCHEMA partman");
      const before = (await selectEventPartitions(store)).map((p) => p.name);
      const auto = { width: "month", ahead: 4, manager: "auto" } as const;
      expect(await maintainEventPartitions(store, auto)).toMatchObject({ manager: "pg_partman" });
      const [config] = await store.query<{ infinite: boolean; premake: number }>(
        `SELECT infinite_time_partitions AS infinite, premake FROM partman.part_config
         WHERE parent_table = current_schema() || '.events'`,
      );
      expect(config).toEqual({ infinite: true, premake: 4 });
      const after = (await selectEventPartitions(store)).map((p) => p.name);
      expect(after).toEqual(expect.arrayContaining(before));
      expect(after.length).toBeGreaterThan(before.length);
      // Every partition pg_partman made, and its default one, carries the append-only guard
      // and its search index's pending list limit (migration 0032).
      const unguarded = await store.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'events'::regclass AND NOT EXISTS (
           SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = 'events_append_only')`,
      );
      expect(unguarded).toEqual([]);
      const options = await searchIndexOptions(store);
      expect(Object.keys(options)).toEqual(expect.arrayContaining(after));
      for (const each of Object.values(options))
        expect(each).toEqual(["gin_pending_list_limit=1024"]);
      expect(await maintainEventPartitions(store, auto)).toMatchObject({
        manager: "pg_partman",
        created: 0,
      });

      const projectId = await projectWithEvents(store, 9, 30);
      const partition = await partitionOf(store, projectId);
      const at = new Date(partition.upper.getTime() + 31 * DAY_MS);
      expect(await purgeAt(store, at, { granularity: "partition" })).toEqual([
        { project_id: projectId, purged: 9, checkpoint_seq: 9 },
      ]);
      expect((await selectEventPartitions(store)).map((p) => p.name)).not.toContain(partition.name);
      expect(await verifyIntegrity(store, projectId)).toMatchObject({ valid: true, checked: 0 });
    },
  );
});
