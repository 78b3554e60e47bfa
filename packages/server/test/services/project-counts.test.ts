import {
  explainingQueries,
  issueEvent,
  issueEvents,
  newProjectWithEvents,
  openTestStore,
  planNodes,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countDistinct, getProject, ingestEvents } from "../../src/services/index.js";
import { countNextEvents } from "../../src/store/projects.js";

describe.each(STORE_KINDS)("distinct counts on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the project keeps ingesting while it is counted, then the run ends at the head it started from", async () => {
    const { projectId } = await newProjectWithEvents(t.store, issueEvents(6));
    let appended = 0;
    const rests: number[] = [];
    // Every chunk is followed by a new event: a counter that chases the head never ends.
    await countDistinct(t.store, {
      chunk: 2,
      rest: async (chunkMs) => {
        rests.push(chunkMs);
        appended += 1;
        await ingestEvents(t.store, projectId, [issueEvent(100 + appended)]);
      },
    });
    const { counts } = await getProject(t.store, projectId);
    expect(counts.distinct.as_of_seq).toBe(6);
    expect(counts.distinct.targets).toBe(6);
    expect(counts.distinct.actors).toBe(3);
    expect(appended).toBeGreaterThanOrEqual(3);
    expect(rests.every((ms) => ms >= 0)).toBe(true);

    await countDistinct(t.store, { rest: async () => undefined });
    const after = await getProject(t.store, projectId);
    expect(after.counts.distinct).toMatchObject({
      as_of_seq: 6 + appended,
      targets: 6 + appended,
      approximate: false,
    });
  });

  it("when a chunk brings many targets of a new type, then the known targets are looked up once per new type, not once per new target", async () => {
    // Each new target used to be tested against every target of its type the same statement
    // had just inserted (rows it cannot see, each a heap fetch): counting a backlog of 431 k
    // new targets held a database session for over 14 minutes (bench/FINDINGS.md B54).
    const events = 1500;
    const { projectId } = await newProjectWithEvents(
      t.store,
      issueEvents(events, (n) => ({ target: { type: "ticket", id: `TCK-${n}` } })),
    );
    let plans: Record<string, unknown>[] = [];
    await t.store.transaction(async (tx) => {
      // The plan the bench's 5 M-event count took (a nested loop, the known targets looked up
      // through their index); which plan the planner picks depends on the statistics of the
      // moment, so it is fixed here.
      for (const method of ["hashjoin", "mergejoin", "material", "seqscan", "bitmapscan"]) {
        await tx.query(`SET LOCAL enable_${method} = off`);
      }
      const counting = explainingQueries(
        tx,
        (sql) => sql.trimStart().startsWith("WITH span"),
        "none",
      );
      plans = counting.plans;
      await countNextEvents(counting.db, projectId, events);
    });
    expect(plans).toHaveLength(1);
    // The targets already known are looked up once per new type, not once per new target.
    const known = planNodes(plans[0] as Record<string, unknown>).filter(
      (node) => node["Relation Name"] === "project_targets" && node.Alias === "o",
    );
    expect(known.length).toBeGreaterThan(0);
    for (const node of known) expect(node["Actual Loops"]).toBeLessThanOrEqual(1);
    const { counts } = await getProject(t.store, projectId);
    expect(counts.distinct).toMatchObject({ as_of_seq: events, targets: events, target_types: 1 });
  });
});
