import {
  issueEvent,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEvents, MAX_VERIFY_EVENTS, verifyIntegrity } from "../../src/services/index.js";

describe.each(STORE_KINDS)("bounded integrity verification on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a range is longer than one call verifies, then it stops there and says where to go on", async () => {
    expect(MAX_VERIFY_EVENTS).toBe(10_000);
    const { projectId } = await newProject(t.store);
    await ingestEvents(
      t.store,
      projectId,
      Array.from({ length: 2500 }, (_, i) => issueEvent(i)),
    );
    const limits = { maxEvents: 1100 };
    const first = await verifyIntegrity(t.store, projectId, {}, limits);
    expect(first).toMatchObject({ valid: true, from_seq: 1, to_seq: 1100, checked: 1100 });
    expect(first.next_from_seq).toBe(1101);
    const second = await verifyIntegrity(t.store, projectId, { fromSeq: 1101 }, limits);
    expect(second).toMatchObject({
      valid: true,
      from_seq: 1101,
      to_seq: 2200,
      next_from_seq: 2201,
    });
    const last = await verifyIntegrity(t.store, projectId, { fromSeq: 2201 }, limits);
    expect(last).toMatchObject({ valid: true, to_seq: 2500, checked: 300, next_from_seq: null });
    // A bounded range within the limit is verified whole.
    expect(
      await verifyIntegrity(t.store, projectId, { fromSeq: 5, toSeq: 900 }, limits),
    ).toMatchObject({ valid: true, checked: 896, next_from_seq: null });
  });
});
