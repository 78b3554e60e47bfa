import {
  client,
  collect,
  countDistinct,
  event as fixture,
  newProject,
  purgeDueProjects,
  restoreProject,
  STORE_KINDS,
  type Store,
  setUp,
  startServer,
  type TestContext,
  updateRemovalPolicy,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  Chronicle,
  ConflictError,
  type EventInput,
  NotFoundError,
  ValidationError,
} from "../src/index.js";

const event = (overrides: Partial<EventInput> = {}): EventInput =>
  fixture(overrides as Parameters<typeof fixture>[0]) as EventInput;

const actor = (id: string) => ({ type: "user" as const, id });

/** Rows per table holding a `project_id` column (read from the catalog: later tables too). */
async function rowsOfProject(store: Store, projectId: string): Promise<Record<string, number>> {
  const tables = await store.query<{ name: string }>(
    `SELECT DISTINCT table_name AS name FROM information_schema.columns
     WHERE column_name = 'project_id' AND table_schema = current_schema() ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await store.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM "${name}" WHERE project_id = $1`,
      [projectId],
    );
    counts[name] = Number(row?.n ?? 0);
  }
  return counts;
}

describe.each(STORE_KINDS)("project, catalog and deletion through the SDK (%s)", (kind) => {
  let ctx: TestContext;
  let base: string;
  const sdk = (key: string) => new Chronicle({ apiKey: key, baseUrl: base, maxRetries: 0 });

  beforeAll(async () => {
    ctx = await setUp(kind, {
      projects: { deletionGraceDays: 0, maintenanceIntervalMs: 60_000 },
    });
    // A deployment without a grace period: its owner lowered the database's floor (7 days).
    await updateRemovalPolicy(ctx.store, { min_deletion_grace_days: 0 });
    base = ctx.server.base;
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when a slug is set, then the project has it and no other project can take it", async () => {
    const first = sdk((await newProject(ctx.store, "Acme")).key);
    const second = sdk((await newProject(ctx.store, "Globex")).key);
    expect((await first.project.update({ slug: "acme-tracker" })).slug).toBe("acme-tracker");
    expect((await first.project.get()).slug).toBe("acme-tracker");
    const taken = await second.project.update({ slug: "acme-tracker" }).catch((e) => e);
    expect(taken).toBeInstanceOf(ConflictError);
    expect(taken.code).toBe("slug_taken");
    const malformed = await second.project.update({ slug: "Not A Slug" }).catch((e) => e);
    expect(malformed).toBeInstanceOf(ValidationError);
    expect((await first.project.update({ slug: null })).slug).toBeNull();
    expect((await second.project.update({ slug: "acme-tracker" })).slug).toBe("acme-tracker");
  });

  it("when events name actors and targets, then the project counts the distinct ones once counted", async () => {
    const chronicle = sdk((await newProject(ctx.store, "Counts")).key);
    await chronicle.events.batch({
      events: [
        event({ actor: actor("usr_a"), target: { type: "issue", id: "1" } }),
        event({ actor: actor("usr_b"), target: { type: "issue", id: "2" } }),
        event({
          actor: actor("usr_a"),
          target: { type: "issue", id: "1" },
          targets: [{ type: "pull_request", id: "1" }],
        }),
        event({ actor: { type: "agent", id: "usr_a" }, target: undefined }),
      ],
    });
    const before = (await chronicle.project.get()).counts.distinct;
    expect(before).toMatchObject({ approximate: true, as_of_seq: 0, actors: 0 });
    await countDistinct(ctx.store);
    expect((await chronicle.project.get()).counts.distinct).toEqual({
      actors: 3,
      targets: 3,
      target_types: 2,
      as_of_seq: 4,
      approximate: false,
    });
    await chronicle.events.create(
      event({ actor: actor("usr_c"), target: { type: "doc", id: "1" } }),
    );
    await countDistinct(ctx.store);
    expect((await chronicle.project.get()).counts.distinct).toMatchObject({
      actors: 4,
      targets: 4,
      target_types: 3,
      as_of_seq: 5,
    });
  });

  it("when the catalog is strict, then only defined actions are accepted, a batch all or nothing", async () => {
    const { key } = await newProject(ctx.store, "Strict");
    const chronicle = sdk(key);
    expect((await chronicle.project.update({ catalog: "strict" })).catalog).toBe("strict");
    const refused = await chronicle.events
      .create(event({ action: "issue.created" }))
      .catch((e) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused.code).toBe("unknown_action");
    await chronicle.actions.define("issue.created", { description: "An issue was opened" });
    expect((await chronicle.events.create(event({ action: "issue.created" }))).action).toBe(
      "issue.created",
    );
    const batch = await chronicle.events
      .batch({ events: [event({ action: "issue.created" }), event({ action: "issue.closed" })] })
      .catch((e) => e);
    expect(batch.code).toBe("unknown_action");
    expect(batch.problem.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      "/events/1/action",
    ]);
    expect((await chronicle.events.list({ action: ["issue.created"] })).data).toHaveLength(1);
    // What the server records itself (an export's own event) is not held to the catalog.
    expect(await collect(chronicle.events.export({ format: "ndjson" }))).toHaveLength(2);
    expect((await chronicle.events.list({ action: ["events.exported"] })).data).toHaveLength(1);
    await chronicle.project.update({ catalog: "open" });
    expect((await chronicle.events.create(event({ action: "issue.closed" }))).action).toBe(
      "issue.closed",
    );
  });

  it("when an action is deprecated, then its events are accepted with a Deprecation header", async () => {
    const { key } = await newProject(ctx.store, "Deprecation");
    const chronicle = sdk(key);
    const api = client(base, key);
    const defined = await chronicle.actions.define("issue.moved", { deprecated: true });
    expect(defined.deprecated_at).not.toBeNull();
    const seconds = Math.floor(Date.parse(defined.deprecated_at as string) / 1000);
    const single = await api("POST", "/v1/events", { body: event({ action: "issue.moved" }) });
    expect(single.status).toBe(201);
    expect(single.headers.get("deprecation")).toBe(`@${seconds}`);
    const batch = await api("POST", "/v1/events/batch", {
      body: { events: [event(), event({ action: "issue.moved" })] },
    });
    expect(batch.headers.get("deprecation")).toBe(`@${seconds}`);
    const current = await api("POST", "/v1/events", { body: event() });
    expect(current.headers.get("deprecation")).toBeNull();
    // Redefining without `deprecated` keeps it; `false` lifts it.
    expect((await chronicle.actions.define("issue.moved", {})).deprecated_at).toBe(
      defined.deprecated_at,
    );
    expect(
      (await chronicle.actions.define("issue.moved", { deprecated: false })).deprecated_at,
    ).toBeNull();
    const lifted = await api("POST", "/v1/events", { body: event({ action: "issue.moved" }) });
    expect(lifted.headers.get("deprecation")).toBeNull();
  });

  it("when a schema changes, then it is a new version and each event records the one it met", async () => {
    const chronicle = sdk((await newProject(ctx.store, "Versions")).key);
    const first = { type: "object", properties: { priority: { type: "string" } } };
    const second = {
      type: "object",
      required: ["priority"],
      properties: { priority: { enum: ["low", "high"] } },
    };
    expect(
      (await chronicle.actions.define("issue.created", { metadata_schema: first })).schema_version,
    ).toBe(1);
    const underFirst = await chronicle.events.create(event({ metadata: { priority: "urgent" } }));
    expect(underFirst.schema_version).toBe(1);
    expect(
      (await chronicle.actions.define("issue.created", { metadata_schema: second })).schema_version,
    ).toBe(2);
    expect(
      (await chronicle.actions.define("issue.created", { metadata_schema: second })).schema_version,
    ).toBe(2);
    const refused = await chronicle.events
      .create(event({ metadata: { priority: "urgent" } }))
      .catch((e) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    const underSecond = await chronicle.events.create(event({ metadata: { priority: "low" } }));
    expect(underSecond.schema_version).toBe(2);
    const versions = await chronicle.actions.schemas("issue.created");
    expect(versions.data.map((v) => [v.version, v.metadata_schema])).toEqual([
      [2, second],
      [1, first],
    ]);
    expect(await chronicle.actions.schemas("issue.closed").catch((e) => e)).toBeInstanceOf(
      NotFoundError,
    );
    expect(
      (await chronicle.events.create(event({ action: "issue.viewed" }))).schema_version,
    ).toBeNull();
  });

  it("when a project is deleted, then its keys stop, it can be restored, and after the grace period nothing of it is left", async () => {
    const doomed = await newProject(ctx.store, "Doomed");
    const bystander = await newProject(ctx.store, "Bystander");
    const chronicle = sdk(doomed.key);
    await chronicle.events.batch({ events: [event(), event({ workspace_id: "ws_b" })] });
    await chronicle.actions.define("issue.created", { metadata_schema: { type: "object" } });
    await chronicle.apiKeys.create({ name: "reader", scopes: ["activity:read"] });
    await chronicle.viewerTokens.create({ workspace_id: "ws_acme" });
    await chronicle.project.update({ slug: "doomed" });
    await sdk(bystander.key).events.create(event());
    await countDistinct(ctx.store);
    const bystanderRows = await rowsOfProject(ctx.store, bystander.projectId);
    const before = await rowsOfProject(ctx.store, doomed.projectId);
    expect(before.events).toBeGreaterThan(0);
    expect(before.api_keys).toBe(2);
    expect(before.project_actors).toBeGreaterThan(0);

    // A server whose operator keeps deleted projects for a week, beside this suite's (no grace).
    const patient = await startServer(ctx.store, {
      projects: { deletionGraceDays: 7, maintenanceIntervalMs: 60_000 },
    });
    const viaPatient = new Chronicle({ apiKey: doomed.key, baseUrl: patient.base, maxRetries: 0 });
    const mismatch = await viaPatient.project.delete("doomed").catch((e) => e);
    expect(mismatch).toBeInstanceOf(ValidationError);
    expect(mismatch.code).toBe("confirmation_mismatch");
    const deletion = await viaPatient.project.delete("Doomed");
    expect(deletion).toMatchObject({ project_id: doomed.projectId, name: "Doomed" });
    const week = Date.parse(deletion.purge_after) - Date.parse(deletion.deletion_requested_at);
    expect(week).toBe(7 * 86_400_000);
    await patient.close();
    const refused = await chronicle.project.get().catch((e) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(await purgeDueProjects(ctx.store)).toEqual([]);

    await restoreProject(ctx.store, doomed.projectId);
    expect((await chronicle.project.get()).name).toBe("Doomed");
    await chronicle.project.delete("Doomed");
    const purged = await purgeDueProjects(ctx.store);
    expect(purged.map((p) => p.projectId)).toContain(doomed.projectId);

    const after = await rowsOfProject(ctx.store, doomed.projectId);
    const left = Object.entries(after).filter(([table, n]) => n > 0 && table !== "operator_log");
    expect(left).toEqual([]);
    const log = await ctx.store.query<{ action: string }>(
      "SELECT action FROM operator_log WHERE project_id = $1 ORDER BY seq",
      [doomed.projectId],
    );
    // The database records each change of the deletion times itself, beside the server.
    expect(log.map((entry) => entry.action)).toEqual([
      "project.deletion_times_changed",
      "project.deletion_requested",
      "project.deletion_times_changed",
      "project.restored",
      "project.deletion_times_changed",
      "project.deletion_requested",
      "project.purged",
    ]);
    expect(await rowsOfProject(ctx.store, bystander.projectId)).toEqual(bystanderRows);
    expect((await sdk(bystander.key).events.list()).data).toHaveLength(1);
  });
});
