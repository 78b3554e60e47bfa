import {
  issueEvent,
  issueEvents,
  newProjectWithEvents,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countDistinct, getProject, ingestEvents } from "../../src/services/index.js";

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
});
