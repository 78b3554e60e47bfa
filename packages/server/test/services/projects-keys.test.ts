import { createHash } from "node:crypto";
import { newProject, openTestStore, STORE_KINDS, type TestStore } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../src/domain/errors.js";
import {
  authenticate,
  createApiKey,
  getProject,
  hitRateLimit,
  listApiKeys,
  listEvents,
  revokeApiKey,
  updateProject,
} from "../../src/services/index.js";

const ADMIN = { type: "api_key" as const, id: "key_admin" };

describe.each(STORE_KINDS)("projects and API keys on %s", (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("when a project is created, then its admin key authenticates with every scope", async () => {
    const { projectId, adminKey } = await newProject(t.store, "Acme");
    expect(adminKey.key).toMatch(/^chr_[A-Za-z0-9_-]{43}$/);
    expect(await authenticate(t.store, adminKey.key)).toEqual({
      kind: "api_key",
      id: adminKey.id,
      projectId,
      scopes: ["activity:read", "activity:write", "activity:export", "admin"],
      workspaceId: null,
      name: "Admin key",
      secretHash: createHash("sha256").update(adminKey.key).digest("hex"),
    });
    const project = await getProject(t.store, projectId);
    expect(project).toMatchObject({ id: projectId, name: "Acme", retention_days: null });
    expect(project.counts).toEqual({
      events: 0,
      actions: 0,
      workspaces: 0,
      api_keys: 1,
      distinct: { actors: 0, targets: 0, target_types: 0, as_of_seq: 0, approximate: false },
    });
  });

  it("when the secret is wrong, malformed or only stored as a hash, then nobody authenticates", async () => {
    const { adminKey } = await newProject(t.store);
    const last = adminKey.key.slice(-1);
    const wrong = `${adminKey.key.slice(0, -1)}${last === "A" ? "B" : "A"}`;
    expect(await authenticate(t.store, wrong)).toBeNull();
    expect(await authenticate(t.store, "chr_short")).toBeNull();
    expect(await authenticate(t.store, "Bearer nonsense")).toBeNull();
    const [stored] = await t.store.query<{ secret_hash: string }>(
      "SELECT secret_hash FROM api_keys WHERE key_id = $1",
      [adminKey.id],
    );
    expect(stored?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.secret_hash).not.toContain(adminKey.key.slice(4));
    expect(await authenticate(t.store, stored?.secret_hash as string)).toBeNull();
  });

  it("when a key is created and revoked, then both are recorded and the key stops working", async () => {
    const { projectId } = await newProject(t.store);
    const key = await createApiKey(
      t.store,
      projectId,
      { name: "Reader", scopes: ["activity:read"] },
      { recordAs: ADMIN },
    );
    expect((await authenticate(t.store, key.key))?.scopes).toEqual(["activity:read"]);
    const listed = await listApiKeys(t.store, projectId);
    expect(listed.data.map((item) => item.id)).toContain(key.id);
    expect(JSON.stringify(listed)).not.toContain(key.key);

    const revoked = await revokeApiKey(t.store, projectId, key.id, { recordAs: ADMIN });
    expect(revoked.revoked_at).not.toBeNull();
    expect(await authenticate(t.store, key.key)).toBeNull();
    const again = await revokeApiKey(t.store, projectId, key.id, { recordAs: ADMIN });
    expect(again.revoked_at).toBe(revoked.revoked_at);

    const events = await listEvents(t.store, projectId, {}, { order: "asc" });
    expect(events.data.map((event) => [event.action, event.target?.id])).toEqual([
      ["api_key.created", key.id],
      ["api_key.revoked", key.id],
    ]);
    expect(events.data[0]?.actor).toMatchObject(ADMIN);
  });

  it("when another project's key id is revoked, then it is not found and stays valid", async () => {
    const mine = await newProject(t.store);
    const theirs = await newProject(t.store);
    const error = await revokeApiKey(t.store, mine.projectId, theirs.adminKey.id).catch((e) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.code).toBe("not_found");
    expect(await authenticate(t.store, theirs.adminKey.key)).not.toBeNull();
    expect((await listApiKeys(t.store, mine.projectId)).data.map((k) => k.id)).not.toContain(
      theirs.adminKey.id,
    );
  });

  it("when scopes are invalid, then creating the key is 422 with a pointer", async () => {
    const { projectId } = await newProject(t.store);
    const error = await createApiKey(t.store, projectId, {
      name: "x",
      scopes: ["activity:read", "root" as never],
    }).catch((e) => e);
    expect(error.code).toBe("validation_failed");
    expect(error.errors[0].pointer).toBe("/scopes/1");
  });

  it("when the project is updated, then the change is recorded with before and after", async () => {
    const { projectId } = await newProject(t.store, "Before");
    const project = await updateProject(
      t.store,
      projectId,
      { name: "After", retention_days: 30 },
      { recordAs: ADMIN },
    );
    expect(project).toMatchObject({ name: "After", retention_days: 30 });
    const [event] = (await listEvents(t.store, projectId, {})).data;
    expect(event?.action).toBe("project.updated");
    expect(event?.changes).toEqual({
      before: { name: "Before", slug: null, catalog: "open", retention_days: null },
      after: { name: "After", slug: null, catalog: "open", retention_days: 30 },
    });
    expect(event?.changed_fields).toEqual(["name", "retention_days"]);
    const cleared = await updateProject(t.store, projectId, { retention_days: null });
    expect(cleared.retention_days).toBeNull();
    const error = await updateProject(t.store, projectId, { retention_days: 0 }).catch((e) => e);
    expect(error.code).toBe("validation_failed");
    expect((await updateProject(t.store, "prj_missing", {}).catch((e) => e)).code).toBe(
      "not_found",
    );
  });

  it("when a subject goes over its limit, then it is refused until the window resets", async () => {
    const { projectId } = await newProject(t.store);
    const now = new Date("2026-11-23T10:00:15.000Z");
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await hitRateLimit(t.store, projectId, "key_a", 3, now));
    expect(hits.map((hit) => [hit.allowed, hit.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(hits[3]?.resetSeconds).toBe(45);
    expect((await hitRateLimit(t.store, projectId, "key_b", 3, now)).remaining).toBe(2);
    const nextWindow = new Date("2026-11-23T10:01:00.000Z");
    expect((await hitRateLimit(t.store, projectId, "key_a", 3, nextWindow)).allowed).toBe(true);
  });

  it("when concurrent requests hit one window, then the count is exact (shared by replicas)", async () => {
    const { projectId } = await newProject(t.store);
    const other = kind === "postgres" ? await t.reopen() : t.store;
    const now = new Date("2026-11-23T11:00:00.000Z");
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        hitRateLimit(i % 2 ? other : t.store, projectId, "key_c", 20, now),
      ),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(20);
    expect(results.map((result) => result.remaining).sort((a, b) => a - b)[0]).toBe(0);
  });
});
