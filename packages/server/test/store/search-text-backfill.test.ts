import { event, newProject, openTestStore, STORE_KINDS, type TestStore } from "@chronicle/test-kit";
import type { Event } from "@chronicle/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchText } from "../../src/services/events/search-text.js";
import { ingestEvents } from "../../src/services/index.js";
import { searchTextBackfill } from "../../src/store/migrations/0010_query_filters.js";

const EVENTS = [
  event({
    changes: {
      before: { status: "Open", labels: ["a", "", "B"], nested: { n: 1.5, ok: true, none: null } },
      after: { status: "Closed" },
    },
    context: { ip_address: "2001:db8::1", user_agent: "Mozilla/5.0 (X11)", trace_id: "T-1" },
  }),
  event({ context: { origin: "api" } }),
  event({ changes: { before: {}, after: { title: "" } } }),
  event({}),
];

describe.each(STORE_KINDS)("search text of rows recorded before migration 0010 (%s)", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when the migration's backfill runs over the older text, then each row's text is what recording gives it now", async () => {
    const { projectId } = await newProject(t.store);
    const { events } = await ingestEvents(t.store, projectId, EVENTS as never);
    const older = (e: Event) => searchText({ ...e, changes: null, context: null });
    await t.store.transaction(async (tx) => {
      await tx.query("SELECT set_config('chronicle.purge', 'on', true)");
      for (const e of events) {
        await tx.query("UPDATE events SET search_text = $3 WHERE project_id = $1 AND seq = $2", [
          projectId,
          e.seq,
          older(e),
        ]);
      }
      for (const statement of searchTextBackfill.split(/;\n/).filter((s) => s.trim())) {
        await tx.query(statement);
      }
    });
    const rows = await t.store.query<{ seq: string | number; search_text: string }>(
      "SELECT seq, search_text FROM events WHERE project_id = $1 ORDER BY seq",
      [projectId],
    );
    expect(rows.map((row) => row.search_text)).toEqual(events.map((e) => searchText(e)));
    expect(rows[0]?.search_text).toContain(
      "a b 1.5 true open closed 2001:db8::1 mozilla/5.0 (x11) t-1",
    );
  });

  it("when the backfill has run, then events stay append-only", async () => {
    await expect(
      t.store.query("UPDATE events SET search_text = 'x' WHERE seq = 1"),
    ).rejects.toThrow(/append-only/);
  });
});
