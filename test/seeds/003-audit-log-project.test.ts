// Seed 003, an admin audit-log and project API: every row of its table in
// docs/guides/coming-from.md, against the real server through the SDK (raw HTTP where the
// row is about the wire). Each test is named after its row.
import { countDistinct, newProject } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConflictError,
  type Event,
  type EventInput,
  PermissionDeniedError,
  ValidationError,
} from "../../packages/sdk/src/index.js";
import { call, failure, SETUP_TIMEOUT_MS, type SeedServer, startSeedServer } from "./support.js";

let server: SeedServer;

/** Entities created, updated and deleted by two users, and syncs run by the system. */
function entityEvent(n: number): EventInput {
  const actions = ["entity.created", "entity.updated", "entity.deleted", "integration.synced"];
  const action = actions[n % actions.length] ?? "entity.created";
  const system = action === "integration.synced";
  return {
    action,
    actor: system ? { type: "system", id: "system" } : { type: "user", id: `usr_${n % 2}` },
    ...(system ? {} : { target: { type: "entity", id: `ent_${n}` } }),
    workspace_id: `ws_${n % 3}`,
    metadata: { n },
    occurred_at: new Date(Date.UTC(2026, 10, 1) + n * 60_000).toISOString(),
  };
}

beforeAll(async () => {
  server = await startSeedServer("Audit");
  await server.chronicle.events.batch({
    events: Array.from({ length: 40 }, (_, n) => entityEvent(n)),
  });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await server?.close();
});

describe("coming from seed 003 (audit log and project API)", () => {
  it("GET /audit-log: the current project's audit log", async () => {
    expect((await server.chronicle.events.list({ limit: 200 })).data).toHaveLength(40);
  });

  it("admin permission required; 403 for other keys", async () => {
    const reader = await server.chronicle.apiKeys.create({
      name: "auditor",
      scopes: ["activity:read"],
    });
    const writer = await server.chronicle.apiKeys.create({
      name: "app",
      scopes: ["activity:write"],
    });
    expect((await server.as(reader.key).events.list({ limit: 1 })).data).toHaveLength(1);
    for (const denied of [
      server.as(writer.key).events.list(),
      server.as(reader.key).apiKeys.create({ name: "x", scopes: ["admin"] }),
    ]) {
      const error = await failure(denied);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as PermissionDeniedError).status).toBe(403);
    }
  });

  it("action filter", async () => {
    const synced = await server.chronicle.events.list({
      action: "integration.synced",
      limit: 200,
    });
    expect(synced.data).toHaveLength(10);
  });

  it("dotted actions: entity.created, entity.updated, entity.deleted", async () => {
    const entity = await server.chronicle.events.list({ action: "entity.*", limit: 200 });
    expect(entity.data).toHaveLength(30);
    expect(new Set(entity.data.map((event) => event.action))).toEqual(
      new Set(["entity.created", "entity.updated", "entity.deleted"]),
    );
  });

  it("userId filter", async () => {
    const mine = await server.chronicle.events.list({ actor_id: "usr_1", limit: 200 });
    expect(mine.data.length).toBeGreaterThan(0);
    expect(mine.data.every((event) => event.actor.id === "usr_1")).toBe(true);
  });

  it('userId "system" for automated actions', async () => {
    const automated = await server.chronicle.events.list({ actor_type: "system", limit: 200 });
    expect(automated.data).toHaveLength(10);
    expect(automated.data.every((event) => event.action === "integration.synced")).toBe(true);
  });

  it("since: Unix milliseconds", async () => {
    const since = Date.UTC(2026, 10, 1) + 30 * 60_000;
    const unix = await call(server, `/v1/events?start_time=${since}`);
    expect(unix.status).toBe(400);
    expect(await unix.json()).toMatchObject({ code: "invalid_parameter" });
    // `since` is exclusive and start_time inclusive: the same window starts a millisecond later.
    const ns = async (start: number) => {
      const page = await server.chronicle.events.list({
        start_time: new Date(start).toISOString(),
        end_time: "2026-11-02T00:00:00Z",
        limit: 200,
      });
      return page.data.map((event) => (event.metadata as { n: number }).n).sort((a, b) => a - b);
    };
    expect(await ns(since)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
    expect(await ns(since + 1)).toEqual([31, 32, 33, 34, 35, 36, 37, 38, 39]);
  });

  it("since for incremental polling", async () => {
    const seen: Event[] = [];
    let cursor: string | undefined;
    const poll = async () => {
      const page = await server.chronicle.events.list({
        order: "asc",
        limit: 200,
        action: "member.invited",
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.data);
      cursor = page.next_cursor ?? cursor;
    };
    const invite = (n: number) => ({
      action: "member.invited",
      actor: { type: "user" as const, id: "usr_0" },
      metadata: { n },
      // The same occurred_at for all: a timestamp-based poll could not tell them apart.
      occurred_at: "2026-11-02T00:00:00.000Z",
    });
    await server.chronicle.events.batch({ events: [invite(0), invite(1)] });
    await poll();
    await poll();
    await server.chronicle.events.batch({ events: [invite(2), invite(3), invite(4)] });
    await poll();
    expect(seen.map((event) => (event.metadata as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
  });

  it("limit, max 200", async () => {
    expect((await server.chronicle.events.list({ limit: 200 })).data.length).toBeGreaterThan(40);
    const error = await failure(server.chronicle.events.list({ limit: 201 }));
    expect(error).toBeInstanceOf(ValidationError);
  });

  it("sorted by timestamp, newest first", async () => {
    const page = await server.chronicle.events.list({ action: "entity.*", limit: 200 });
    const ns = page.data.map((event) => (event.metadata as { n: number }).n);
    expect(ns).toEqual([...ns].sort((a, b) => b - a));
  });

  it("entityId, or null", async () => {
    const [synced] = (
      await server.chronicle.events.list({ action: "integration.synced", limit: 1 })
    ).data;
    expect(synced?.target).toBeNull();
    const [created] = (await server.chronicle.events.list({ action: "entity.created", limit: 1 }))
      .data;
    expect(created?.target?.id).toMatch(/^ent_/);
  });

  it("metadata", async () => {
    const [event] = (await server.chronicle.events.list({ action: "entity.updated", limit: 1 }))
      .data;
    expect(event?.metadata).toEqual({ n: 37 });
  });

  it("timestamp: Unix milliseconds", async () => {
    const [event] = (await server.chronicle.events.list({ action: "entity.created", limit: 1 }))
      .data;
    expect(Date.parse(event?.occurred_at ?? "")).toBe(Date.UTC(2026, 10, 1) + 36 * 60_000);
  });

  it("total and hasMore", async () => {
    const page = await server.chronicle.events.list({
      action: "entity.deleted",
      limit: 3,
      include_total: true,
    });
    expect(page).toMatchObject({ total: 10, has_more: true });
  });

  it("GET /project: id and name", async () => {
    const project = await server.chronicle.project.get();
    expect(project).toMatchObject({ id: server.projectId, name: "Audit" });
  });

  it("slug", async () => {
    expect((await server.chronicle.project.update({ slug: "audit-prod" })).slug).toBe("audit-prod");
    expect((await server.chronicle.project.get()).slug).toBe("audit-prod");
    const other = server.as((await newProject(server.ctx.store, "Other")).key);
    const taken = await failure(other.project.update({ slug: "audit-prod" }));
    expect(taken).toBeInstanceOf(ConflictError);
    expect((taken as ConflictError).code).toBe("slug_taken");
    expect(await failure(other.project.update({ slug: "Not A Slug" }))).toBeInstanceOf(
      ValidationError,
    );
  });

  it("project usage statistics", async () => {
    await countDistinct(server.ctx.store);
    const project = await server.chronicle.project.get();
    const events = await server.chronicle.events.list({ limit: 200 }).toArray({ max: 1000 });
    const objects = events.flatMap((event) =>
      (event.target ? [event.target] : []).concat(event.targets),
    );
    expect(project.counts.distinct).toMatchObject({
      actors: new Set(events.map((event) => `${event.actor.type}/${event.actor.id}`)).size,
      targets: new Set(objects.map((object) => `${object.type}/${object.id}`)).size,
      target_types: new Set(objects.map((object) => object.type)).size,
      approximate: false,
    });
    expect(project.counts.distinct.targets).toBeGreaterThanOrEqual(30);
    const counted = await server.chronicle.events.list({ include_total: true, limit: 1 });
    expect(project.counts.events).toBe(counted.total);
    expect(project.counts.workspaces).toBe(3);
    expect(project.counts.api_keys).toBeGreaterThanOrEqual(1);
  });

  it("project-level configuration (admin)", async () => {
    const updated = await server.chronicle.project.update({ retention_days: 365 });
    expect(updated.retention_days).toBe(365);
    expect((await server.chronicle.project.get()).retention_days).toBe(365);
  });
});
