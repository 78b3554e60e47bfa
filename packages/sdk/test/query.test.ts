import { newProject, setUp, type TestContext } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyOf, Chronicle, eventQuery, not } from "../src/index.js";

describe("eventQuery", () => {
  it("when parts are given, then they render as the language's terms, quoted where needed", () => {
    expect(
      eventQuery(
        { action: ["issue.*", "*.deleted"], workspace: "ws_acme", created: ">=2026-11-01" },
        not({ actor_type: "agent" }),
        anyOf({ actor: "usr_1" }, { on_behalf_of: "usr_1" }),
        'checkout "fails"',
      ),
    ).toBe(
      'action:issue.*,*.deleted workspace:ws_acme created:>=2026-11-01 -(actor_type:agent) ((actor:usr_1) OR (on_behalf_of:usr_1)) "checkout \\"fails\\""',
    );
    expect(eventQuery({ target: "Q4 plan", actor: ["a", "b"] })).toBe(
      'target:"Q4 plan" (actor:a OR actor:b)',
    );
  });
});

describe("eventQuery against the server", () => {
  let ctx: TestContext;
  let chronicle: Chronicle;

  beforeAll(async () => {
    ctx = await setUp("pglite");
    const { key } = await newProject(ctx.store, "SDK query");
    chronicle = new Chronicle({ apiKey: key, baseUrl: ctx.server.base });
    await chronicle.events.batch({
      events: [
        {
          action: "issue.updated",
          actor: { type: "user", id: "usr_1" },
          summary: "Checkout fails",
        },
        {
          action: "issue.deleted",
          actor: { type: "agent", id: "agt_1", on_behalf_of: { type: "user", id: "usr_1" } },
          target: { type: "doc", id: "Q4 plan" },
        },
        { action: "member.invited", actor: { type: "user", id: "usr_2" } },
      ],
    });
  });
  afterAll(async () => {
    await ctx.close();
  });

  const actions = async (q: string) => {
    const page = await chronicle.events.list({ q, order: "asc" });
    return page.data.map((event) => event.action);
  };

  it("when a built query is listed, then the server reads it as built", async () => {
    expect(await actions(eventQuery(anyOf({ actor: "usr_1" }, { on_behalf_of: "usr_1" })))).toEqual(
      ["issue.updated", "issue.deleted"],
    );
    expect(await actions(eventQuery({ action: "issue.*" }, not({ actor_type: "agent" })))).toEqual([
      "issue.updated",
    ]);
    expect(await actions(eventQuery({ target: "Q4 plan" }))).toEqual(["issue.deleted"]);
    expect(await actions(eventQuery("checkout fails"))).toEqual(["issue.updated"]);
    expect(await actions(eventQuery({ actor: ["usr_1", "usr_2"] }))).toEqual([
      "issue.updated",
      "member.invited",
    ]);
  });
});
