import {
  client,
  event,
  newProject,
  STORE_KINDS,
  setUp,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(STORE_KINDS)("two projects (%s)", (kind) => {
  let ctx: TestContext;
  let alpha: ReturnType<typeof client>;
  let beta: ReturnType<typeof client>;
  let alphaEvent: { id: string };

  beforeAll(async () => {
    ctx = await setUp(kind);
    alpha = client(ctx.server.base, (await newProject(ctx.store, "Alpha")).key);
    beta = client(ctx.server.base, (await newProject(ctx.store, "Beta")).key);
    alphaEvent = (await alpha("POST", "/v1/events", { body: event({ summary: "alpha secret" }) }))
      .json;
    await alpha("POST", "/v1/events", { body: event({ summary: "alpha second" }) });
    await beta("POST", "/v1/events", { body: event({ summary: "beta own" }) });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when one project lists, searches, feeds or exports, then it never sees the other's events", async () => {
    const list = await beta("GET", "/v1/events?include_total=true");
    expect(list.json.total).toBe(1);
    expect(list.json.data[0].summary).toBe("beta own");
    expect(list.json.data[0].seq).toBe(1);
    expect((await beta("GET", "/v1/events?search=alpha")).json.data).toEqual([]);
    expect((await beta("GET", "/v1/workspaces/ws_acme/events")).json.data).toHaveLength(1);
    expect((await beta("GET", "/v1/targets/issue/ISS-1/events")).json.data).toHaveLength(1);
    const exported = await beta("GET", "/v1/events/export?format=ndjson");
    expect(exported.status).toBe(200);
    expect(exported.text).not.toContain("alpha");
  });

  it("when one project asks for the other's event id, then it is 404 like a missing one", async () => {
    const response = await beta("GET", `/v1/events/${alphaEvent.id}`);
    expect(response.status).toBe(404);
    expect(response.json.code).toBe("not_found");
  });

  it("when one project lists or revokes keys, then the other's keys are invisible and untouchable", async () => {
    const alphaKeys = await alpha("GET", "/v1/api-keys");
    expect(alphaKeys.status).toBe(200);
    const betaKeys = await beta("GET", "/v1/api-keys");
    const alphaIds = alphaKeys.json.data.map((k: { id: string }) => k.id);
    const betaIds = betaKeys.json.data.map((k: { id: string }) => k.id);
    expect(alphaIds.some((id: string) => betaIds.includes(id))).toBe(false);
    const revoke = await beta("DELETE", `/v1/api-keys/${alphaIds[0]}`);
    expect(revoke.status).toBe(404);
    expect((await alpha("GET", "/v1/events")).status).toBe(200);
  });

  it("when one project presents the other's cursor, then it is 400 invalid_cursor", async () => {
    const page = await alpha("GET", "/v1/events?limit=1");
    expect(page.json.next_cursor).toEqual(expect.any(String));
    const stolen = await beta("GET", `/v1/events?limit=1&cursor=${page.json.next_cursor}`);
    expect(stolen.status).toBe(400);
    expect(stolen.json.code).toBe("invalid_cursor");
  });

  it("when each project reads itself, then its counts are its own", async () => {
    const project = await beta("GET", "/v1/project");
    expect(project.status).toBe(200);
    expect(project.json.name).toBe("Beta");
  });
});
