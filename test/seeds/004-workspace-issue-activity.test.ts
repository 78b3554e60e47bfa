// Seed 004, workspace and issue activity: every row of its table in
// docs/guides/coming-from.md, against the real server through the SDK (raw HTTP where the
// row is about the wire). Each test is named after its row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Event, type EventInput, ValidationError } from "../../packages/sdk/src/index.js";
import { call, failure, SETUP_TIMEOUT_MS, type SeedServer, startSeedServer } from "./support.js";

let server: SeedServer;

/** Issues opened by people and updated by an agent, in two workspaces. */
function issueEvent(n: number): EventInput {
  const workspace = n % 2 ? "ws_acme" : "ws_globex";
  const issue = { type: "issue", id: `iss_${n % 4}`, name: `Issue ${n % 4}` };
  if (n % 3 === 0) {
    return {
      action: "issue.created",
      actor: { type: "user", id: `usr_${n % 2}` },
      target: issue,
      workspace_id: workspace,
      metadata: { title: `Issue ${n % 4}`, identifier: `ENG-${n}` },
    };
  }
  return {
    action: "issue.updated",
    actor: { type: "agent", id: "agt_triage", on_behalf_of: { type: "user", id: "usr_1" } },
    target: issue,
    workspace_id: workspace,
    changes: { before: { status: "todo", priority: 2 }, after: { status: "doing", priority: 2 } },
  };
}

beforeAll(async () => {
  server = await startSeedServer("Workspaces");
  await server.chronicle.events.batch({
    events: Array.from({ length: 24 }, (_, n) => issueEvent(n)),
  });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await server?.close();
});

describe("coming from seed 004 (workspace and issue activity)", () => {
  it("GET /workspaces/{ws_id}/activity", async () => {
    const feed = await server.chronicle.workspaces.events("ws_acme").toArray({ max: 100 });
    expect(feed).toHaveLength(12);
    expect(feed.every((event) => event.workspace_id === "ws_acme")).toBe(true);
  });

  it("GET /workspaces/{ws_id}/issues/{issue_id}/activity", async () => {
    const history = await server.chronicle.targets
      .list("issue", "iss_1", { workspace_id: "ws_acme" })
      .toArray({ max: 100 });
    expect(history).toHaveLength(6);
    expect(
      history.every((event) => event.target?.id === "iss_1" && event.workspace_id === "ws_acme"),
    ).toBe(true);
  });

  it("limit 1–200, default 50", async () => {
    expect((await server.chronicle.events.list({ limit: 200 })).data).toHaveLength(24);
    const error = await failure(server.chronicle.events.list({ limit: 0 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe("invalid_parameter");
  });

  it("offset", async () => {
    const offset = await call(server, "/v1/workspaces/ws_acme/events?offset=5");
    expect(offset.status).toBe(400);
    const all = await server.chronicle.workspaces
      .events("ws_acme", { limit: 3 })
      .toArray({ max: 100 });
    expect(new Set(all.map((event) => event.id)).size).toBe(12);
  });

  it("id, workspace_id, issue_id", async () => {
    const [event] = (await server.chronicle.workspaces.events("ws_globex", { limit: 1 })).data;
    expect(event).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      workspace_id: "ws_globex",
      target: { type: "issue", id: expect.stringMatching(/^iss_/) },
    });
  });

  it('actor_type "user" or "agent", actor_id', async () => {
    const [created] = (await server.chronicle.events.list({ action: "issue.created", limit: 1 }))
      .data;
    expect(created?.actor).toMatchObject({ type: "user", id: "usr_1" });
    const [updated] = (await server.chronicle.events.list({ action: "issue.updated", limit: 1 }))
      .data;
    expect(updated?.actor).toMatchObject({ type: "agent", id: "agt_triage" });
  });

  it("action and details", async () => {
    const [event] = (await server.chronicle.events.list({ action: "issue.created", limit: 1 }))
      .data;
    expect(event?.metadata).toEqual({ title: "Issue 1", identifier: "ENG-21" });
  });

  it("created_at", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1 })).data;
    expect(Math.abs(Date.parse(event?.created_at ?? "") - Date.now())).toBeLessThan(3_600_000);
  });

  it("issue.created: title, identifier", async () => {
    const created = await server.chronicle.events.list({ action: "issue.created", limit: 100 });
    expect(created.data).toHaveLength(8);
    expect(created.data.every((event) => event.target?.name === event.metadata.title)).toBe(true);
  });

  it("issue.updated: changed fields and their new values", async () => {
    const [event] = (await server.chronicle.events.list({ action: "issue.updated", limit: 1 }))
      .data;
    expect(event?.changed_fields).toEqual(["status"]);
    expect(event?.changes?.after).toMatchObject({ status: "doing" });
    const statusChanges = await server.chronicle.events.list({
      changed_field: "status",
      limit: 100,
    });
    expect(statusChanges.data).toHaveLength(16);
    expect(
      (await server.chronicle.events.list({ changed_field: "priority", limit: 100 })).data,
    ).toHaveLength(0);
  });

  it("filter by actor type", async () => {
    const agents = await server.chronicle.events.list({ actor_type: "agent", limit: 100 });
    const users = await server.chronicle.events.list({ actor_type: "user", limit: 100 });
    expect(agents.data).toHaveLength(16);
    expect(users.data).toHaveLength(8);
  });

  it("agent executions and results", async () => {
    const [event] = (await server.chronicle.events.list({ actor_type: "agent", limit: 1 })).data;
    expect(event?.actor.on_behalf_of).toMatchObject({ type: "user", id: "usr_1" });
    const forUser = await server.chronicle.events.list({ on_behalf_of_id: "usr_1", limit: 100 });
    expect(forUser.data).toHaveLength(16);
    // Everything usr_1 did: themselves (4 issues opened) or through the agent (16 updates).
    const all = await server.chronicle.events.list({
      actor_id: "usr_1",
      include_on_behalf: true,
      limit: 100,
    });
    expect(all.data).toHaveLength(20);
  });

  it("future actions: members, files, configuration", async () => {
    const actions = ["workspace.member_added", "file.uploaded", "config.changed"];
    for (const action of actions) {
      await server.chronicle.events.create({
        action,
        actor: { type: "user", id: "usr_0" },
        workspace_id: "ws_acme",
      });
    }
    const known = (await server.chronicle.actions.list().toArray({ max: 100 })).map(
      (action) => action.action,
    );
    expect(known).toEqual(expect.arrayContaining([...actions, "issue.created", "issue.updated"]));
  });

  it("pagination for large datasets", async () => {
    const pages: number[] = [];
    for await (const page of server.chronicle.events.list({ limit: 10 }).pages()) {
      pages.push(page.data.length);
    }
    expect(pages.reduce((sum, size) => sum + size, 0)).toBe(27);
    expect(pages).toEqual([10, 10, 7]);
  });

  it("cache activity data", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1 })).data;
    const first = await call(server, `/v1/events/${event?.id}`);
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await call(server, `/v1/events/${event?.id}`, {
      headers: { "if-none-match": etag ?? "" },
    });
    expect(again.status).toBe(304);
  });

  it("monitor activity patterns for anomalies", async () => {
    const controller = new AbortController();
    const received: Event[] = [];
    const tail = (async () => {
      for await (const event of server.chronicle.events.tail(
        { workspace_id: "ws_acme", actor_type: "agent" },
        { signal: controller.signal },
      )) {
        received.push(event);
        if (received.length === 2) break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.chronicle.events.batch({
      events: [issueEvent(1), issueEvent(2), issueEvent(3), issueEvent(5)],
    });
    await tail;
    controller.abort();
    expect(received.map((event) => [event.workspace_id, event.actor.type])).toEqual([
      ["ws_acme", "agent"],
      ["ws_acme", "agent"],
    ]);
  });

  it("audit trail: complete history", async () => {
    const report = await server.chronicle.integrity.verify();
    expect(report).toMatchObject({ valid: true, first_invalid_seq: null });
    const exported: Event[] = [];
    for await (const event of server.chronicle.events.export({ format: "ndjson" })) {
      exported.push(event);
    }
    expect((await server.chronicle.integrity.verifyChain(exported)).valid).toBe(true);
    const altered = exported.map((event, index) =>
      index === 3 ? { ...event, summary: "rewritten" } : event,
    );
    expect(await server.chronicle.integrity.verifyChain(altered)).toMatchObject({ valid: false });
  });

  it("API authentication with tokens", async () => {
    const viewer = await server.chronicle.viewerTokens.create({ workspace_id: "ws_globex" });
    const customer = server.as(viewer.token);
    const feed = await customer.workspaces.events("ws_globex").toArray({ max: 100 });
    expect(feed.length).toBeGreaterThan(0);
    const listed = await customer.events.list({ limit: 200 });
    expect(listed.data.every((event) => event.workspace_id === "ws_globex")).toBe(true);
    const other = await call(server, "/v1/workspaces/ws_acme/events", { credential: viewer.token });
    expect(other.status).toBe(403);
    const write = await call(server, "/v1/events", {
      method: "POST",
      credential: viewer.token,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(issueEvent(0)),
    });
    expect(write.status).toBe(403);
  });

  it("viewer tokens on an issue's feed", async () => {
    // The same issue id in another workspace: the token must not see that one.
    await server.chronicle.events.create({ ...issueEvent(1), workspace_id: "ws_globex" });
    const viewer = await server.chronicle.viewerTokens.create({ workspace_id: "ws_acme" });
    const history = await server
      .as(viewer.token)
      .targets.list("issue", "iss_1")
      .toArray({ max: 100 });
    const everyone = await server.chronicle.targets.list("issue", "iss_1").toArray({ max: 100 });
    expect(everyone.some((event) => event.workspace_id !== "ws_acme")).toBe(true);
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((event) => event.workspace_id === "ws_acme")).toBe(true);
    expect(history.length).toBe(everyone.filter((e) => e.workspace_id === "ws_acme").length);
  });

  it("long-lived read-only keys for one workspace", async () => {
    const pinned = await server.chronicle.apiKeys.create({
      name: "globex SIEM",
      scopes: ["activity:read", "activity:export"],
      workspace_id: "ws_globex",
    });
    expect(pinned.workspace_id).toBe("ws_globex");
    const customer = server.as(pinned.key);
    const listed = await customer.events.list({ limit: 200 });
    expect(listed.data.length).toBeGreaterThan(0);
    expect(listed.data.every((event) => event.workspace_id === "ws_globex")).toBe(true);
    const other = await call(server, "/v1/workspaces/ws_acme/events", { credential: pinned.key });
    expect(other.status).toBe(403);
    const write = await call(server, "/v1/events", {
      method: "POST",
      credential: pinned.key,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(issueEvent(0)),
    });
    expect(write.status).toBe(403);
    const refused = await failure(
      server.chronicle.apiKeys.create({
        name: "x",
        scopes: ["activity:write"],
        workspace_id: "ws_globex",
      }),
    );
    expect(refused).toBeInstanceOf(ValidationError);
  });
});
