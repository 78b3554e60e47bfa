import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authenticate,
  ChronicleError,
  defineAction,
  ingestEvents,
  issueViewerToken,
  listActions,
  verifyViewerToken,
} from "../../src/services/index.js";
import { openTestStore, STORE_KINDS, type TestStore } from "../store/harness.js";
import { issueEvent, newProject } from "./fixtures.js";

const INVOICE_SCHEMA = {
  type: "object",
  required: ["amount", "currency"],
  properties: {
    amount: { type: "integer", minimum: 0 },
    currency: { type: "string", enum: ["EUR", "USD"] },
    email: { type: "string", format: "email" },
  },
  additionalProperties: false,
};

describe.each(STORE_KINDS)("action catalog and viewer tokens on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when an action is defined, then its events are validated against the schema with pointers", async () => {
    const { projectId } = await newProject(t.store);
    const invoice = (metadata: Record<string, unknown>) =>
      issueEvent(1, { action: "invoice.paid", metadata });
    await ingestEvents(t.store, projectId, [invoice({ anything: true })]);
    const defined = await defineAction(t.store, projectId, "invoice.paid", {
      description: "An invoice was paid",
      metadata_schema: INVOICE_SCHEMA,
    });
    expect(defined).toMatchObject({ action: "invoice.paid", defined: true, count: 1 });

    await ingestEvents(t.store, projectId, [invoice({ amount: 100, currency: "EUR" })]);
    const error = await ingestEvents(
      t.store,
      projectId,
      [
        issueEvent(2),
        invoice({ amount: -1, currency: "GBP", email: "nope", extra: 1 }),
        invoice({ currency: "USD" }),
      ],
      { pointerPrefix: (i) => `/events/${i}` },
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ChronicleError);
    expect(error.status).toBe(422);
    expect(error.code).toBe("validation_failed");
    const pointers = error.errors.map((e: { pointer: string }) => e.pointer).sort();
    expect(pointers).toEqual([
      "/events/1/metadata/amount",
      "/events/1/metadata/currency",
      "/events/1/metadata/email",
      "/events/1/metadata/extra",
      "/events/2/metadata/amount",
    ]);

    const catalog = await listActions(t.store, projectId);
    // The refused batch left no trace, not even its issue.created in the catalog.
    expect(catalog.data.map((a) => [a.action, a.defined, a.count])).toEqual([
      ["invoice.paid", true, 2],
    ]);
  });

  it("when a schema is not valid JSON Schema, then defining it is 422 at /metadata_schema", async () => {
    const { projectId } = await newProject(t.store);
    const error = await defineAction(t.store, projectId, "a.b", {
      metadata_schema: { type: "nonsense" },
    }).catch((e) => e);
    expect(error.code).toBe("validation_failed");
    expect(error.errors[0].pointer).toBe("/metadata_schema");
  });

  it("when an action is only defined, then it is listed with a zero count", async () => {
    const { projectId } = await newProject(t.store);
    await defineAction(t.store, projectId, "doc.shared", { description: "Shared a doc" });
    await ingestEvents(t.store, projectId, [issueEvent(1)]);
    const catalog = await listActions(t.store, projectId);
    expect(catalog.data).toEqual([
      expect.objectContaining({
        action: "doc.shared",
        defined: true,
        count: 0,
        description: "Shared a doc",
        first_seen_at: null,
      }),
      expect.objectContaining({ action: "issue.created", defined: false, count: 1 }),
    ]);
    // A definition does not leak into another project.
    const other = await newProject(t.store);
    expect((await listActions(t.store, other.projectId)).data).toEqual([]);
  });

  it("when a viewer token is issued, then it authenticates pinned to its workspace, read-only", async () => {
    const { projectId } = await newProject(t.store);
    const now = new Date();
    const token = await issueViewerToken(
      t.store,
      projectId,
      {
        workspace_id: "ws_acme",
        ttl_seconds: 600,
      },
      now,
    );
    expect(token.token).toMatch(/^chv_/);
    expect(token.expires_at).toBe(
      new Date(Math.floor(now.getTime() / 1000) * 1000 + 600_000).toISOString(),
    );
    const credential = await authenticate(t.store, token.token);
    expect(credential).toMatchObject({
      kind: "viewer_token",
      projectId,
      workspaceId: "ws_acme",
      scopes: ["activity:read"],
    });
    const exporter = await issueViewerToken(t.store, projectId, {
      workspace_id: "ws_acme",
      scopes: ["activity:read", "activity:export"],
    });
    expect((await authenticate(t.store, exporter.token))?.scopes).toEqual([
      "activity:read",
      "activity:export",
    ]);
  });

  it("when a viewer token is expired, tampered with or asks for writes, then it is refused", async () => {
    const { projectId } = await newProject(t.store);
    const token = await issueViewerToken(t.store, projectId, {
      workspace_id: "ws_1",
      ttl_seconds: 60,
    });
    expect(await verifyViewerToken(t.store, token.token, new Date(Date.now() + 61_000))).toBeNull();
    const body = token.token.slice(4, token.token.indexOf("."));
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    const forged = `chv_${Buffer.from(JSON.stringify({ ...payload, w: "ws_2" })).toString("base64url")}${token.token.slice(token.token.indexOf("."))}`;
    expect(await authenticate(t.store, forged)).toBeNull();
    const error = await issueViewerToken(t.store, projectId, {
      workspace_id: "ws_1",
      scopes: ["activity:write"],
    }).catch((e) => e);
    expect(error.code).toBe("validation_failed");
    const tooLong = await issueViewerToken(t.store, projectId, {
      workspace_id: "ws_1",
      ttl_seconds: 86_401,
    }).catch((e) => e);
    expect(tooLong.errors[0].pointer).toBe("/ttl_seconds");
  });
});
