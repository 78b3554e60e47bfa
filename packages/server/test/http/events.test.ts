import {
  client,
  event,
  newProject,
  STORE_KINDS,
  setUp,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(STORE_KINDS)("events over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    ctx = await setUp(kind);
    const { key } = await newProject(ctx.store);
    api = client(ctx.server.base, key);
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when an event is recorded, then it comes back complete with seq, hash and null members", async () => {
    const created = await api("POST", "/v1/events", {
      body: event({ occurred_at: "2026-11-20T10:00:00+02:00" }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("request-id")).toMatch(/^req_/);
    expect(created.headers.get("ratelimit-remaining")).not.toBeNull();
    const e = created.json;
    expect(e.id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(e.seq).toBe(1);
    expect(e.prev_hash).toBeNull();
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.occurred_at).toBe("2026-11-20T08:00:00.000Z");
    expect(e.actor.on_behalf_of).toBeNull();
    expect(e.context).toBeNull();
    expect(e.changes).toBeNull();
    expect(e.targets).toEqual([]);

    const fetched = await api("GET", `/v1/events/${e.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.json).toEqual(e);
  });

  it("when a batch is recorded, then its events get consecutive seqs and changed_fields", async () => {
    const events = [
      event({
        action: "issue.updated",
        changes: {
          before: { status: "open", title: "A" },
          after: { status: "closed", title: "A" },
        },
      }),
      event({
        action: "member.invited",
        actor: {
          type: "agent",
          id: "agt_1",
          name: "Bot",
          on_behalf_of: { type: "user", id: "usr_9", name: "Grace" },
        },
        target: { type: "user", id: "usr_2" },
        workspace_id: "ws_globex",
      }),
      event({
        action: "zone.updated",
        target: { type: "zone", id: "zone_1", name: "example.com" },
      }),
    ];
    const response = await api("POST", "/v1/events/batch", { body: { events } });
    expect(response.status).toBe(201);
    const data = response.json.data as {
      seq: number;
      changed_fields: string[];
      actor: { on_behalf_of: unknown };
    }[];
    expect(data.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(data[0]?.changed_fields).toEqual(["status"]);
    expect(data[1]?.actor.on_behalf_of).toEqual({
      type: "user",
      id: "usr_9",
      name: "Grace",
      email: null,
    });
  });

  it("when the list is filtered, then each filter narrows it", async () => {
    const all = await api("GET", "/v1/events?order=asc");
    expect(all.status).toBe(200);
    expect(all.json.data).toHaveLength(4);
    expect(all.json.has_more).toBe(false);
    expect(all.json.total).toBeUndefined();

    const count = async (query: string) => {
      const response = await api("GET", `/v1/events?${query}`);
      expect(response.status, `${query}: ${response.text}`).toBe(200);
      return (response.json.data as unknown[]).length;
    };
    expect(await count("action=issue.*")).toBe(2);
    expect(await count("action=member.invited&action=zone.updated")).toBe(2);
    expect(await count("actor_type=agent")).toBe(1);
    expect(await count("actor_id=usr_1")).toBe(3);
    expect(await count("target_type=zone&target_id=zone_1")).toBe(1);
    expect(await count("workspace_id=ws_globex")).toBe(1);
    expect(await count("search=EXAMPLE.COM")).toBe(3);
    expect(await count("search=bOt")).toBe(1);
    expect(await count("changed_field=status")).toBe(1);
    expect(await count("start_time=2026-11-20T07:59:59Z&end_time=2026-11-20T08:00:01Z")).toBe(1);
    const withTotal = await api("GET", "/v1/events?action=issue.*&include_total=true&limit=1");
    expect(withTotal.json.total).toBe(2);
    expect(withTotal.json.has_more).toBe(true);
  });

  it("when the target and workspace feeds are read, then they hold that object's and that workspace's events", async () => {
    const target = await api("GET", "/v1/targets/zone/zone_1/events");
    expect(target.status).toBe(200);
    expect(target.json.data.map((e: { action: string }) => e.action)).toEqual(["zone.updated"]);
    const workspace = await api("GET", "/v1/workspaces/ws_globex/events");
    expect(workspace.status).toBe(200);
    expect(workspace.json.data.map((e: { action: string }) => e.action)).toEqual([
      "member.invited",
    ]);
    const none = await api("GET", "/v1/targets/issue/nothing/events");
    expect(none.json.data).toEqual([]);
  });

  it("when paging forward then back, then the same events come back in the same order", async () => {
    await api("POST", "/v1/events/batch", {
      body: {
        events: Array.from({ length: 23 }, (_, i) =>
          event({ action: "page.test", summary: `#${i}` }),
        ),
      },
    });
    for (const order of ["asc", "desc"] as const) {
      const forward: { seq: number }[][] = [];
      let cursor: string | null = null;
      let page: {
        json: {
          data: { seq: number }[];
          next_cursor: string | null;
          prev_cursor: string | null;
          has_more: boolean;
        };
      };
      do {
        page = await api(
          "GET",
          `/v1/events?action=page.test&order=${order}&limit=5${cursor ? `&cursor=${cursor}` : ""}`,
        );
        forward.push(page.json.data);
        cursor = page.json.has_more ? page.json.next_cursor : null;
      } while (cursor);
      expect(forward.flat()).toHaveLength(23);
      const seqs = forward.flat().map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => (order === "asc" ? a - b : b - a)));

      const backward: { seq: number }[][] = [];
      let prev = page.json.prev_cursor;
      while (prev) {
        const back = await api(
          "GET",
          `/v1/events?action=page.test&order=${order}&limit=5&cursor=${prev}`,
        );
        expect(back.status).toBe(200);
        backward.unshift(back.json.data);
        prev = back.json.has_more ? back.json.prev_cursor : null;
      }
      expect([...backward, forward[forward.length - 1]]).toEqual(forward);
    }
  });

  it("when a batch is retried with its Idempotency-Key, then it is written once; a changed body is 409", async () => {
    const body = { events: [event({ action: "idem.test" }), event({ action: "idem.test" })] };
    const headers = { "Idempotency-Key": `batch-${kind}-1` };
    const first = await api("POST", "/v1/events/batch", { body, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await api("POST", "/v1/events/batch", { body, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    const listed = await api("GET", "/v1/events?action=idem.test&include_total=true");
    expect(listed.json.total).toBe(2);

    const changed = await api("POST", "/v1/events/batch", {
      body: { events: [event({ action: "idem.test", summary: "other" })] },
      headers,
    });
    expect(changed.status).toBe(409);
    expect(changed.json.code).toBe("idempotency_conflict");

    const single = {
      body: event({ action: "idem.single" }),
      headers: { "Idempotency-Key": `one-${kind}` },
    };
    const a = await api("POST", "/v1/events", single);
    const b = await api("POST", "/v1/events", single);
    expect(b.json.id).toBe(a.json.id);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
  });

  it("when a batch item is invalid, then nothing is written and the pointer names the item and field", async () => {
    const before = await api("GET", "/v1/events?include_total=true&limit=1");
    const events = [event(), event(), event(), event({ actor: { type: "robot", id: "r1" } })];
    const response = await api("POST", "/v1/events/batch", { body: { events } });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(response.json.code).toBe("validation_failed");
    expect(response.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(
      "/events/3/actor/type",
    );
    const after = await api("GET", "/v1/events?include_total=true&limit=1");
    expect(after.json.total).toBe(before.json.total);

    const big = await api("POST", "/v1/events", {
      body: event({ metadata: { blob: "x".repeat(17 * 1024) } }),
    });
    expect(big.status).toBe(422);
    expect(big.json.errors[0].pointer).toBe("/metadata");
  });

  it("when a poller follows the asc cursor under concurrent writers, then it sees every event exactly once", async () => {
    const writers = 4;
    const perWriter = 15;
    const start = await api("GET", "/v1/events?action=poll.test&order=asc&limit=200");
    let cursor: string = start.json.next_cursor;
    const seen: string[] = [];
    let writing = true;
    const poller = (async () => {
      for (;;) {
        const stillWriting = writing;
        const page = await api(
          "GET",
          `/v1/events?action=poll.test&order=asc&limit=7&cursor=${cursor}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.json.data.map((e: { id: string }) => e.id));
        cursor = page.json.next_cursor;
        if (!stillWriting && page.json.data.length === 0) return;
      }
    })();
    const written = await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const ids: string[] = [];
        for (let i = 0; i < perWriter; i++) {
          const response =
            i % 3 === 0
              ? await api("POST", "/v1/events/batch", {
                  body: {
                    events: [event({ action: "poll.test" }), event({ action: "poll.test" })],
                  },
                })
              : await api("POST", "/v1/events", {
                  body: event({ action: "poll.test", summary: `w${w}-${i}` }),
                });
          expect(response.status).toBe(201);
          ids.push(...(response.json.data ?? [response.json]).map((e: { id: string }) => e.id));
        }
        return ids;
      }),
    );
    writing = false;
    await poller;
    const expected = written.flat();
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(expected));
  });
});
