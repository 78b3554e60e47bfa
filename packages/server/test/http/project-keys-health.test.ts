import {
  type Client,
  client,
  event,
  STORE_KINDS,
  setUpWithProject,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(STORE_KINDS)("project, API keys and health over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ({ ctx, api } = await setUpWithProject(kind, { name: "Acme" }));
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when health is asked without a credential, then it is ok and not rate limited", async () => {
    const response = await client(ctx.server.base)("GET", "/v1/health");
    expect(response.status).toBe(200);
    expect(response.json.status).toBe("ok");
    expect(response.json.api_versions).toContain("2026-11-01");
    expect(response.headers.get("ratelimit-limit")).toBeNull();
  });

  it("when the project is read, then it has its counts", async () => {
    await api("POST", "/v1/events/batch", {
      body: { events: [event(), event({ action: "zone.updated", workspace_id: "ws_b" })] },
    });
    const response = await api("GET", "/v1/project");
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      name: "Acme",
      retention_days: null,
      counts: { events: 2, actions: 2, workspaces: 2, api_keys: 1 },
    });
  });

  it("when the project is patched, then it changes and a project.updated event is recorded", async () => {
    const response = await api("PATCH", "/v1/project", {
      body: { retention_days: 90, name: "Acme Inc" },
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ name: "Acme Inc", retention_days: 90 });
    const recorded = await api("GET", "/v1/events?action=project.updated");
    expect(recorded.json.data).toHaveLength(1);
    const e = recorded.json.data[0];
    expect(e.actor.type).toBe("api_key");
    expect(e.changes.before).toMatchObject({ retention_days: null });
    expect(e.changes.after).toMatchObject({ retention_days: 90 });
    const empty = await api("PATCH", "/v1/project", { body: {} });
    expect(empty.status).toBe(422);
  });

  it("when keys are created, listed and revoked, then the secret shows once and both are recorded", async () => {
    const created = await api("POST", "/v1/api-keys", {
      body: { name: "ci", scopes: ["activity:write"] },
    });
    expect(created.status).toBe(201);
    expect(created.json.key).toMatch(/^chr_/);
    expect(created.json.scopes).toEqual(["activity:write"]);
    const ci = client(ctx.server.base, created.json.key);
    expect((await ci("POST", "/v1/events", { body: event() })).status).toBe(201);

    const listed = await api("GET", "/v1/api-keys");
    expect(listed.status).toBe(200);
    expect(listed.json.has_more).toBe(false);
    const ids = listed.json.data.map((k: { id: string }) => k.id);
    expect(ids).toContain(created.json.id);
    expect(JSON.stringify(listed.json)).not.toContain(created.json.key);

    const revoked = await api("DELETE", `/v1/api-keys/${created.json.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.revoked_at).toEqual(expect.any(String));
    expect(revoked.json.key).toBeUndefined();
    const refused = await ci("POST", "/v1/events", { body: event() });
    expect(refused.status).toBe(401);

    const audit = await api("GET", "/v1/events?action=api_key.*&order=asc");
    expect(audit.json.data.map((e: { action: string }) => e.action)).toEqual([
      "api_key.created",
      "api_key.revoked",
    ]);
    expect(audit.json.data[0].target.id).toBe(created.json.id);
    expect(JSON.stringify(audit.json)).not.toContain(created.json.key);

    const badScope = await api("POST", "/v1/api-keys", { body: { name: "x", scopes: ["root"] } });
    expect(badScope.status).toBe(422);
    expect(badScope.json.errors[0].pointer).toBe("/scopes/0");
  });
});
