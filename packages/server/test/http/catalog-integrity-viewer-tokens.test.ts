import {
  type Client,
  client,
  event,
  newProject,
  STORE_KINDS,
  setUpWithProject,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStream } from "./sse-client.js";

describe.each(STORE_KINDS)("catalog, integrity and viewer tokens over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ({ ctx, api } = await setUpWithProject(kind, {
      events: [
        event({ workspace_id: "ws_a", summary: "a1" }),
        event({ workspace_id: "ws_b", summary: "b1" }),
        event({ workspace_id: "ws_a", action: "member.invited", summary: "a2" }),
        event({ summary: "no workspace", workspace_id: undefined }),
      ],
    }));
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when an action is defined, then events breaking its metadata schema are 422 with pointers", async () => {
    const defined = await api("PUT", "/v1/actions/invoice.paid", {
      body: {
        description: "An invoice was paid",
        metadata_schema: {
          type: "object",
          required: ["amount_cents"],
          properties: { amount_cents: { type: "integer", minimum: 0 } },
        },
      },
    });
    expect(defined.status).toBe(200);
    expect(defined.json).toMatchObject({ action: "invoice.paid", defined: true });
    const ok = await api("POST", "/v1/events", {
      body: event({ action: "invoice.paid", metadata: { amount_cents: 1900 } }),
    });
    expect(ok.status).toBe(201);
    const bad = await api("POST", "/v1/events", {
      body: event({ action: "invoice.paid", metadata: { amount_cents: -1 } }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(
      "/metadata/amount_cents",
    );
    const inBatch = await api("POST", "/v1/events/batch", {
      body: { events: [event(), event({ action: "invoice.paid", metadata: {} })] },
    });
    expect(inBatch.status).toBe(422);
    expect(inBatch.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(
      "/events/1/metadata/amount_cents",
    );

    const list = await api("GET", "/v1/actions");
    expect(list.status).toBe(200);
    const issue = list.json.data.find((a: { action: string }) => a.action === "issue.created");
    expect(issue).toMatchObject({ count: 3, defined: false });
    const paid = list.json.data.find((a: { action: string }) => a.action === "invoice.paid");
    expect(paid).toMatchObject({ count: 1, defined: true, description: "An invoice was paid" });

    const invalidSchema = await api("PUT", "/v1/actions/invoice.sent", {
      body: { metadata_schema: { type: "nonsense" } },
    });
    expect(invalidSchema.status).toBe(422);
    const badName = await api("PUT", "/v1/actions/Not-An-Action", { body: { description: "x" } });
    expect(badName.status).toBe(400);
  });

  it("when two projects define schemas with the same $id, then each is compiled and checked on its own", async () => {
    // The validators are shared by the process: a schema's $id must not be registered there,
    // or the first project to use an $id would refuse every other schema naming it.
    const other = client(ctx.server.base, (await newProject(ctx.store, "Other tenant")).key);
    const schemaOf = (required: string) => ({
      $id: "https://schemas.example.com/invoice",
      type: "object",
      required: [required],
      properties: { [required]: { $ref: "#/$defs/cents" } },
      $defs: { cents: { type: "integer" } },
    });
    const first = await api("PUT", "/v1/actions/invoice.voided", {
      body: { metadata_schema: schemaOf("amount_cents") },
    });
    expect(first.status, first.text).toBe(200);
    const second = await other("PUT", "/v1/actions/invoice.voided", {
      body: { metadata_schema: schemaOf("total_cents") },
    });
    expect(second.status, second.text).toBe(200);
    // The first project's next version under the same $id is a schema of its own too.
    const next = await api("PUT", "/v1/actions/invoice.voided", {
      body: { metadata_schema: schemaOf("voided_cents") },
    });
    expect(next.status, next.text).toBe(200);
    expect(next.json).toMatchObject({ schema_version: 2 });

    const voided = (metadata: Record<string, unknown>) =>
      event({ action: "invoice.voided", metadata });
    expect((await api("POST", "/v1/events", { body: voided({ voided_cents: 5 }) })).status).toBe(
      201,
    );
    expect((await api("POST", "/v1/events", { body: voided({ amount_cents: 5 }) })).status).toBe(
      422,
    );
    expect((await other("POST", "/v1/events", { body: voided({ total_cents: 5 }) })).status).toBe(
      201,
    );
    expect((await other("POST", "/v1/events", { body: voided({ total_cents: "5" }) })).status).toBe(
      422,
    );
  });

  it("when the chain is intact, then integrity is valid; a row altered in the database is reported at its seq", async () => {
    const intact = await api("GET", "/v1/integrity");
    expect(intact.status).toBe(200);
    expect(intact.json).toMatchObject({ valid: true, first_invalid_seq: null });
    const range = await api("GET", "/v1/integrity?from_seq=2&to_seq=3");
    expect(range.json).toMatchObject({ valid: true, from_seq: 2, to_seq: 3 });

    await ctx.store.transaction(async (tx) => {
      await tx.query("SET LOCAL session_replication_role = replica");
      await tx.query("UPDATE events SET summary = 'tampered' WHERE seq = 4");
    });
    const broken = await api("GET", "/v1/integrity");
    expect(broken.json).toMatchObject({ valid: false, first_invalid_seq: 4 });
  });

  it("when a viewer token is used, then it sees only its workspace and cannot write", async () => {
    const issued = await api("POST", "/v1/viewer-tokens", {
      body: { workspace_id: "ws_a", ttl_seconds: 600 },
    });
    expect(issued.status).toBe(201);
    expect(issued.json.token).toMatch(/^chv_/);
    const viewer = client(ctx.server.base, issued.json.token);

    const list = await viewer("GET", "/v1/events");
    expect(list.status).toBe(200);
    expect(list.json.data.map((e: { summary: string }) => e.summary).sort()).toEqual(["a1", "a2"]);
    expect((await viewer("GET", "/v1/workspaces/ws_a/events")).json.data).toHaveLength(2);
    expect((await viewer("GET", "/v1/workspaces/ws_b/events")).status).toBe(403);
    expect((await viewer("GET", "/v1/events?workspace_id=ws_b")).status).toBe(403);

    const all = await api("GET", "/v1/events?workspace_id=ws_b");
    const other = all.json.data[0].id;
    expect((await viewer("GET", `/v1/events/${other}`)).status).toBe(404);
    expect((await viewer("GET", `/v1/events/${list.json.data[0].id}`)).status).toBe(200);

    for (const [method, path, body] of [
      ["POST", "/v1/events", event({ workspace_id: "ws_a" })],
      ["GET", "/v1/project", undefined],
      ["GET", "/v1/api-keys", undefined],
      ["GET", "/v1/actions", undefined],
      ["GET", "/v1/integrity", undefined],
      ["POST", "/v1/viewer-tokens", { workspace_id: "ws_b" }],
      ["GET", "/v1/events/export?format=ndjson", undefined],
    ] as const) {
      const response = await viewer(method, path, body ? { body } : {});
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.json.code).toBe("forbidden");
    }

    // An object's feed, inside the token's workspace only (the object has events in ws_b too).
    const feed = await viewer("GET", "/v1/targets/issue/ISS-1/events");
    expect(feed.status).toBe(200);
    expect(feed.json.data.map((e: { summary: string }) => e.summary).sort()).toEqual(["a1", "a2"]);
    const everyone = await api("GET", "/v1/targets/issue/ISS-1/events");
    expect(everyone.json.data.map((e: { summary: string }) => e.summary)).toContain("b1");
    const elsewhere = await viewer("GET", "/v1/targets/issue/ISS-1/events?workspace_id=ws_b");
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.code).toBe("forbidden");

    const tail = await openStream(`${ctx.server.base}/v1/events/stream`, {
      Authorization: `Bearer ${issued.json.token}`,
    });
    expect(tail.response.status).toBe(200);
    await api("POST", "/v1/events", { body: event({ workspace_id: "ws_b", summary: "hidden" }) });
    const shown = await api("POST", "/v1/events", {
      body: event({ workspace_id: "ws_a", summary: "shown" }),
    });
    await tail.until(() => tail.messages.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tail.messages.map((m) => Number(m.id))).toEqual([shown.json.seq]);
    await tail.close();
  });

  it("when a viewer token is granted export, then it exports its workspace only", async () => {
    const issued = await api("POST", "/v1/viewer-tokens", {
      body: { workspace_id: "ws_b", scopes: ["activity:read", "activity:export"] },
    });
    expect(issued.status).toBe(201);
    const exported = await client(ctx.server.base, issued.json.token)(
      "GET",
      "/v1/events/export?format=ndjson",
    );
    expect(exported.status).toBe(200);
    const workspaces = exported.text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line).workspace_id);
    expect(new Set(workspaces)).toEqual(new Set(["ws_b"]));
  });

  it("when a read-only key asks for an exporting viewer token, then 403", async () => {
    const reader = await api("POST", "/v1/api-keys", {
      body: { name: "r", scopes: ["activity:read"] },
    });
    const response = await client(ctx.server.base, reader.json.key)("POST", "/v1/viewer-tokens", {
      body: { workspace_id: "ws_a", scopes: ["activity:export"] },
    });
    expect(response.status).toBe(403);
  });
});
