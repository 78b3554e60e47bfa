import {
  issueEvent,
  newProject,
  openTestStore,
  STORE_KINDS,
  type TestStore,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import {
  authenticate,
  createApiKey,
  defineAction,
  endedCredentials,
  ingestEvents,
  issueViewerToken,
  listActionSchemas,
  listActions,
  revokeApiKey,
  revokeViewerToken,
  verifyViewerToken,
} from "../../src/services/index.js";
import { cacheInvalidation } from "../../src/services/system/cache-invalidation.js";

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
    expect(error).toBeInstanceOf(ServiceError);
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

  it("when one new action is defined several times at once, then none fails and its schema is one version", async () => {
    const { projectId } = await newProject(t.store);
    // Ten connections open at once, so that the ten definitions start together.
    await Promise.all(Array.from({ length: 10 }, () => t.store.query("SELECT pg_sleep(0.05)")));
    const defined = await Promise.all(
      Array.from({ length: 10 }, () =>
        defineAction(t.store, projectId, "invoice.raced", { metadata_schema: INVOICE_SCHEMA }),
      ),
    );
    expect(defined.map((action) => action.schema_version)).toEqual(Array(10).fill(1));
    const versions = await listActionSchemas(t.store, projectId, "invoice.raced");
    expect(versions.data.map((row) => row.version)).toEqual([1]);
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
    const { projectId, adminKey } = await newProject(t.store);
    const [before] = await t.store.query<{ now: Date }>("SELECT now() AS now");
    const token = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      {
        workspace_id: "ws_acme",
        ttl_seconds: 600,
      },
    );
    expect(token.token).toMatch(/^chv_/);
    expect(token.id).toMatch(/^vtk_/);
    // Expiry comes from the database's clock.
    const expiresIn = Date.parse(token.expires_at) - new Date(before?.now as Date).getTime();
    expect(expiresIn).toBeGreaterThanOrEqual(600_000);
    expect(expiresIn).toBeLessThan(660_000);
    const credential = await authenticate(t.store, token.token);
    expect(credential).toMatchObject({
      kind: "viewer_token",
      id: token.id,
      projectId,
      workspaceId: "ws_acme",
      scopes: ["activity:read"],
    });
    const exporter = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      {
        workspace_id: "ws_acme",
        scopes: ["activity:read", "activity:export"],
      },
    );
    expect((await authenticate(t.store, exporter.token))?.scopes).toEqual([
      "activity:read",
      "activity:export",
    ]);
  });

  it("when a viewer token is expired, tampered with or asks for writes, then it is refused", async () => {
    const { projectId, adminKey } = await newProject(t.store);
    const token = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      {
        workspace_id: "ws_1",
        ttl_seconds: 60,
      },
    );
    expect(await verifyViewerToken(t.store, token.token)).not.toBeNull();
    await t.store.query(
      "UPDATE viewer_tokens SET expires_at = now() - interval '1 second' WHERE token_id = $1",
      [token.id],
    );
    // A change behind the server's back is not announced: drop what it cached, as a restart would.
    cacheInvalidation(t.store).flushAll();
    expect(await verifyViewerToken(t.store, token.token)).toBeNull();
    expect(await endedCredentials(t.store, [credentialOf(projectId, token.id)])).toEqual(
      new Map([[token.id, "expired"]]),
    );
    const live = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      { workspace_id: "ws_1" },
    );
    const body = live.token.slice(4, live.token.indexOf("."));
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    const forged = `chv_${Buffer.from(JSON.stringify({ ...payload, w: "ws_2" })).toString("base64url")}${live.token.slice(live.token.indexOf("."))}`;
    expect(await authenticate(t.store, forged)).toBeNull();
    const error = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      {
        workspace_id: "ws_1",
        // @ts-expect-error the contract's type refuses it too; the service checks at run time
        scopes: ["activity:write"],
      },
    ).catch((e) => e);
    expect(error.code).toBe("validation_failed");
    const tooLong = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      {
        workspace_id: "ws_1",
        ttl_seconds: 86_401,
      },
    ).catch((e) => e);
    expect(tooLong.errors[0].pointer).toBe("/ttl_seconds");
  });

  it("when a viewer token is revoked, then it is refused and its revocation is recorded", async () => {
    const { projectId, adminKey } = await newProject(t.store);
    const token = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      { workspace_id: "ws_1" },
    );
    const other = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      { workspace_id: "ws_1" },
    );
    const actor = { type: "api_key" as const, id: adminKey.id };
    const revoked = await revokeViewerToken(t.store, projectId, token.id, { recordAs: actor });
    expect(revoked).toMatchObject({ id: token.id, key_id: adminKey.id, workspace_id: "ws_1" });
    expect(revoked.revoked_at).not.toBeNull();
    // Idempotent: the same record again, no second event.
    expect(await revokeViewerToken(t.store, projectId, token.id, { recordAs: actor })).toEqual(
      revoked,
    );
    expect(await authenticate(t.store, token.token)).toBeNull();
    expect(await authenticate(t.store, other.token)).not.toBeNull();
    const recorded = await t.store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE project_id = $1 AND action = 'viewer_token.revoked'",
      [projectId],
    );
    expect(recorded[0]?.n).toBe(1);
    // Another project's token id is not found.
    const stranger = await newProject(t.store);
    const missing = await revokeViewerToken(t.store, stranger.projectId, other.id).catch((e) => e);
    expect(missing).toBeInstanceOf(ServiceError);
    expect(missing.code).toBe("not_found");
  });

  it("when the key that minted a viewer token is revoked, then the token dies with it", async () => {
    const { projectId, adminKey } = await newProject(t.store);
    const minter = await createApiKey(t.store, projectId, {
      name: "widget",
      scopes: ["activity:read"],
    });
    const token = await issueViewerToken(
      t.store,
      { projectId, id: minter.id },
      { workspace_id: "ws_1" },
    );
    const kept = await issueViewerToken(
      t.store,
      { projectId, id: adminKey.id },
      { workspace_id: "ws_1" },
    );
    expect(await authenticate(t.store, token.token)).not.toBeNull();
    await revokeApiKey(t.store, projectId, minter.id);
    expect(await authenticate(t.store, token.token)).toBeNull();
    expect(await authenticate(t.store, kept.token)).not.toBeNull();
    const ended = await endedCredentials(t.store, [
      credentialOf(projectId, token.id),
      credentialOf(projectId, kept.id),
      { kind: "api_key", id: minter.id, projectId },
      { kind: "api_key", id: adminKey.id, projectId },
      // A credential of another project is never found under this one's id.
      { kind: "api_key", id: adminKey.id, projectId: "prj_other" },
    ]);
    expect(ended.get(token.id)).toBe("revoked");
    expect(ended.get(minter.id)).toBe("revoked");
    expect(ended.has(kept.id)).toBe(false);
  });
});

function credentialOf(projectId: string, id: string) {
  return { kind: "viewer_token" as const, id, projectId };
}
