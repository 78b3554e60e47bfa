import {
  issueEvent,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEvents } from "../../src/services/index.js";
import { EVENTS_CHANNEL, parseEventsNotification } from "../../src/store/index.js";

describe.each(STORE_KINDS)("live tail notifications on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when events are committed, then listeners (on any replica) learn the project's last seq, coalesced", async () => {
    const { projectId } = await newProject(t.store);
    const listenerStore = kind === "postgres" ? await t.reopen() : t.store;
    const received: { projectId: string; lastSeq: number }[] = [];
    const unlisten = await listenerStore.listen(EVENTS_CHANNEL, (payload) => {
      const parsed = parseEventsNotification(payload);
      if (parsed?.projectId === projectId) received.push(parsed);
    });
    await ingestEvents(t.store, projectId, [issueEvent(1), issueEvent(2)]);
    await ingestEvents(t.store, projectId, [issueEvent(3)]);
    // A failed batch notifies nobody.
    await ingestEvents(t.store, projectId, [issueEvent(4, { occurred_at: "nope" })]).catch(
      () => undefined,
    );
    const deadline = Date.now() + 3000;
    while (received.at(-1)?.lastSeq !== 3 && Date.now() < deadline) {
      await listenerStore.query("SELECT 1");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Announcements sent within COALESCE_MS of each other carry only the newest seq.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await listenerStore.query("SELECT 1");
    // Nothing for the failed batch, nothing twice.
    expect([[3], [2, 3]]).toContainEqual(received.map((notification) => notification.lastSeq));
    await unlisten();
  });

  it("when a payload is malformed, then it parses to null", () => {
    expect(parseEventsNotification("nocolon")).toBeNull();
    expect(parseEventsNotification("prj_1:abc")).toBeNull();
    expect(parseEventsNotification("prj_1:12")).toEqual({ projectId: "prj_1", lastSeq: 12 });
  });
});
