// Seed 000, Zeridion Flare's Activity API: every row of its table in
// docs/guides/coming-from.md, against the real server through the SDK (raw HTTP where the
// row is about the wire). Each test is named after its row.
import { newProject, restoreProject, startServer } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  Chronicle,
  type Event,
  type EventInput,
  InvalidCursorError,
  RateLimitError,
  ValidationError,
} from "../../packages/sdk/src/index.js";
import { call, failure, SETUP_TIMEOUT_MS, type SeedServer, startSeedServer } from "./support.js";

let server: SeedServer;

/** Flare's job, alert and recurring-schedule kinds, as Chronicle actions. */
function flareEvent(n: number): EventInput {
  const kinds = [
    ["job.created", "job"],
    ["job.cancelled", "job"],
    ["alert.created", "alert"],
    ["recurring.upserted", "recurring"],
  ] as const;
  const [action, type] = kinds[n % kinds.length] ?? kinds[0];
  return {
    action,
    actor: { type: "api_key", id: "key_ops" },
    target: { type, id: `${type}_${n}` },
    summary: `${action} #${n}`,
    metadata: { queue: "email", n },
  };
}

beforeAll(async () => {
  server = await startSeedServer("Flare");
  await server.chronicle.events.batch({
    events: Array.from({ length: 60 }, (_, n) => flareEvent(n)),
  });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await server?.close();
});

describe("coming from seed 000 (Flare Activity API)", () => {
  it("GET /activity: the project's activity, newest first", async () => {
    const page = await server.chronicle.events.list({ limit: 10 });
    const seqs = page.data.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(page.data[0]?.summary).toBe("recurring.upserted #59");
  });

  it("limit, default 20", async () => {
    expect((await server.chronicle.events.list()).data).toHaveLength(50);
    expect((await server.chronicle.events.list({ limit: 20 })).data).toHaveLength(20);
  });

  it("limit clamped to 1–100", async () => {
    for (const limit of [0, 201]) {
      const error = await failure(server.chronicle.events.list({ limit }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe("invalid_parameter");
    }
    expect((await server.chronicle.events.list({ limit: 200 })).data.length).toBeGreaterThan(50);
  });

  it("cursor from next_cursor; has_more; next_cursor null at the end", async () => {
    const first = await server.chronicle.events.list({ action: "job.created", limit: 10 });
    expect(first).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
    const second = await server.chronicle.events.list({
      action: "job.created",
      limit: 10,
      cursor: first.next_cursor ?? "",
    });
    expect(second.has_more).toBe(false);
    expect(second.next_cursor).toBeNull();
    expect([...first.data, ...second.data]).toHaveLength(15);
  });

  it("sorted by created_at descending, id as tiebreaker", async () => {
    const events = await server.chronicle.events.list({ limit: 200 }).toArray({ max: 1000 });
    for (let index = 1; index < events.length; index++) {
      expect(events[index]?.seq).toBe((events[index - 1]?.seq ?? 0) - 1);
    }
  });

  it("new events written between pages cause no skipped or duplicated rows", async () => {
    const before = await server.chronicle.events.list({ action: "alert.created", limit: 200 });
    const first = await server.chronicle.events.list({ action: "alert.created", limit: 4 });
    await server.chronicle.events.batch({
      events: [flareEvent(102), flareEvent(106), flareEvent(110)],
    });
    const seen: Event[] = [...first.data];
    let cursor = first.next_cursor;
    while (cursor) {
      const page = await server.chronicle.events.list({
        action: "alert.created",
        limit: 4,
        cursor,
      });
      seen.push(...page.data);
      cursor = page.next_cursor;
    }
    expect(seen.map((event) => event.id)).toEqual(before.data.map((event) => event.id));
  });

  it("iterate until has_more is false", async () => {
    let pages = 0;
    let count = 0;
    for await (const page of server.chronicle.events.list({ action: "job.*", limit: 7 }).pages()) {
      pages++;
      count += page.data.length;
    }
    expect(count).toBe(30);
    expect(pages).toBe(5);
  });

  it("cursors are opaque; invalid_cursor", async () => {
    const first = await server.chronicle.events.list({ limit: 1 });
    const tampered = `${first.next_cursor?.slice(0, -2)}xx`;
    const error = await failure(server.chronicle.events.list({ limit: 1, cursor: tampered }));
    expect(error).toBeInstanceOf(InvalidCursorError);
    // A cursor is bound to the query that made it.
    const other = await failure(
      server.chronicle.events.list({
        limit: 1,
        action: "job.created",
        cursor: first.next_cursor ?? "",
      }),
    );
    expect(other).toBeInstanceOf(InvalidCursorError);
  });

  it("id: a ULID", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1 })).data;
    expect(event?.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it("kind: job_created, alert_created, …", async () => {
    const page = await server.chronicle.events.list({ action: "job.created", limit: 3 });
    expect(page.data.every((event) => event.action === "job.created")).toBe(true);
  });

  it("target_type and target_id, or null", async () => {
    const [event] = (await server.chronicle.events.list({ target_type: "alert", limit: 1 })).data;
    expect(event?.target).toMatchObject({ type: "alert", id: expect.stringMatching(/^alert_/) });
    const untargeted = await server.chronicle.events.create({
      action: "terms.accepted",
      actor: { type: "user", id: "usr_1" },
    });
    expect(untargeted.target).toBeNull();
  });

  it("summary", async () => {
    const created = await server.chronicle.events.create({
      ...flareEvent(0),
      summary: "Job enqueued: email.send",
    });
    expect((await server.chronicle.events.get(created.id)).summary).toBe(
      "Job enqueued: email.send",
    );
  });

  it("metadata: a JSON string, or null", async () => {
    const withMetadata = await server.chronicle.events.create(flareEvent(1));
    expect(withMetadata.metadata).toEqual({ queue: "email", n: 1 });
    const without = await server.chronicle.events.create({
      action: "alert.deleted",
      actor: { type: "user", id: "usr_1" },
    });
    expect(without.metadata).toEqual({});
  });

  it("created_at, ISO 8601", async () => {
    const event = await server.chronicle.events.create({
      ...flareEvent(2),
      occurred_at: "2026-03-18T15:30:00+01:00",
    });
    expect(event.occurred_at).toBe("2026-03-18T14:30:00.000Z");
    expect(Date.parse(event.created_at)).toBeGreaterThan(Date.parse(event.occurred_at));
  });

  it("ActivityKind: a frozen list of kinds, pinned by CI", async () => {
    await server.chronicle.actions.define("job.retried", {
      description: "A job was manually retried",
      metadata_schema: {
        type: "object",
        required: ["queue"],
        properties: { queue: { type: "string" } },
      },
    });
    const actions = await server.chronicle.actions.list().toArray({ max: 1000 });
    expect(actions.find((action) => action.action === "job.retried")).toMatchObject({
      description: "A job was manually retried",
    });
    const error = await failure(
      server.chronicle.events.create({
        action: "job.retried",
        actor: { type: "user", id: "usr_1" },
        metadata: {},
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe("validation_failed");
    // Frozen: in a strict catalog an action that is not defined is refused.
    await server.chronicle.project.update({ catalog: "strict" });
    try {
      const unknown = await failure(
        server.chronicle.events.create({
          action: "job.exploded",
          actor: { type: "system", id: "w" },
        }),
      );
      expect((unknown as ValidationError).code).toBe("unknown_action");
      const known = await server.chronicle.events.create({
        action: "job.retried",
        actor: { type: "user", id: "usr_1" },
        metadata: { queue: "email" },
      });
      expect(known.action).toBe("job.retried");
    } finally {
      await server.chronicle.project.update({ catalog: "open" });
    }
  });

  it("existing kinds stable, new kinds appended", async () => {
    const first = { type: "object", properties: { queue: { type: "string" } } };
    const second = { ...first, required: ["queue"] };
    await server.chronicle.actions.define("job.paused", { metadata_schema: first });
    const before = await server.chronicle.events.create({
      action: "job.paused",
      actor: { type: "user", id: "usr_1" },
    });
    await server.chronicle.actions.define("job.paused", { metadata_schema: second });
    const after = await server.chronicle.events.create({
      action: "job.paused",
      actor: { type: "user", id: "usr_1" },
      metadata: { queue: "email" },
    });
    expect([before.schema_version, after.schema_version]).toEqual([1, 2]);
    expect((await server.chronicle.actions.schemas("job.paused")).data).toHaveLength(2);
    // A kind on its way out: still accepted, with a Deprecation header.
    await server.chronicle.actions.define("job.paused", { deprecated: true });
    const response = await call(server, "/v1/events", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        action: "job.paused",
        actor: { type: "user", id: "usr_1" },
        metadata: { queue: "email" },
      }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("deprecation")).toMatch(/^@\d+$/);
  });

  it("project_deleted", async () => {
    const doomed = await newProject(server.ctx.store, "Doomed");
    const chronicle = server.as(doomed.key);
    const mismatch = await failure(chronicle.project.delete("doomed"));
    expect((mismatch as ValidationError).code).toBe("confirmation_mismatch");
    const deletion = await chronicle.project.delete("Doomed");
    expect(deletion).toMatchObject({ project_id: doomed.projectId, name: "Doomed" });
    expect(Date.parse(deletion.purge_after)).toBeGreaterThan(
      Date.parse(deletion.deletion_requested_at),
    );
    expect(await failure(chronicle.events.list())).toBeInstanceOf(AuthenticationError);
    // Within the grace period an operator can restore it, keys included.
    await restoreProject(server.ctx.store, doomed.projectId);
    expect((await chronicle.project.get()).name).toBe("Doomed");
  });

  it("api_key_revoked", async () => {
    const created = await server.chronicle.apiKeys.create({
      name: "ci",
      scopes: ["activity:read"],
    });
    await server.chronicle.apiKeys.revoke(created.id);
    const history = await server.chronicle.targets.list("api_key", created.id).toArray({ max: 10 });
    expect(history.map((event) => event.action)).toEqual(["api_key.revoked", "api_key.created"]);
    const error = await failure(server.as(created.key).events.list());
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it("api_key_rotated", async () => {
    const key = await server.chronicle.apiKeys.create({
      name: "deploy",
      scopes: ["activity:read"],
    });
    const rotated = await server.chronicle.apiKeys.rotate(key.id, { overlap_seconds: 3600 });
    expect(rotated.key).not.toBe(key.key);
    expect(rotated.previous_key_expires_at).not.toBeNull();
    // During the overlap both secrets work; rotating again ends the older one at once.
    for (const secret of [key.key, rotated.key]) {
      expect((await server.as(secret).events.list({ limit: 1 })).data).toHaveLength(1);
    }
    const again = await server.chronicle.apiKeys.rotate(key.id, { overlap_seconds: 0 });
    expect(await failure(server.as(key.key).events.list())).toBeInstanceOf(AuthenticationError);
    expect(await failure(server.as(rotated.key).events.list())).toBeInstanceOf(AuthenticationError);
    expect((await server.as(again.key).events.list({ limit: 1 })).data).toHaveLength(1);
    const history = await server.chronicle.targets.list("api_key", key.id).toArray({ max: 10 });
    expect(history.map((event) => event.action)).toEqual([
      "api_key.rotated",
      "api_key.rotated",
      "api_key.created",
    ]);
  });

  it("admin_rate_limit_override", async () => {
    const key = await server.chronicle.apiKeys.create({
      name: "bulk",
      scopes: ["activity:read"],
      rate_limit_per_minute: 2,
    });
    const sdk = server.as(key.key);
    let error: unknown;
    for (let n = 0; n < 5 && !error; n++) {
      error = await sdk.events.list({ limit: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).headers?.get("ratelimit-limit")).toBe("2");
    await server.chronicle.apiKeys.update(key.id, { rate_limit_per_minute: 1000 });
    const [updated] = (await server.chronicle.targets.list("api_key", key.id, { limit: 1 })).data;
    expect(updated).toMatchObject({ action: "api_key.updated" });
    const tooHigh = await failure(
      server.chronicle.apiKeys.update(key.id, { rate_limit_per_minute: 10_000_000 }),
    );
    expect((tooHigh as ValidationError).code).toBe("validation_failed");
  });

  it("project_renamed", async () => {
    const project = await server.chronicle.project.get();
    await server.chronicle.project.update({ name: "Flare (production)" });
    const [event] = (await server.chronicle.events.list({ action: "project.updated", limit: 1 }))
      .data;
    expect(event?.changes).toMatchObject({
      before: { name: project.name },
      after: { name: "Flare (production)" },
    });
    expect(event?.changed_fields).toEqual(["name"]);
  });

  it("audit_log_exported", async () => {
    const rows: Event[] = [];
    for await (const row of server.chronicle.events.export({
      format: "ndjson",
      action: "job.created",
    })) {
      rows.push(row);
    }
    const [recorded] = (await server.chronicle.events.list({ action: "events.exported", limit: 1 }))
      .data;
    expect(recorded).toMatchObject({ action: "events.exported" });
    expect(rows.some((row) => row.id === recorded?.id)).toBe(false);
  });

  it("audit-log export as CSV or NDJSON", async () => {
    const ndjson: Event[] = [];
    for await (const row of server.chronicle.events.export({
      format: "ndjson",
      action: "alert.created",
    })) {
      ndjson.push(row);
    }
    const csv: Record<string, string>[] = [];
    for await (const row of server.chronicle.events.export({
      format: "csv",
      action: "alert.created",
    })) {
      csv.push(row);
    }
    expect(ndjson.length).toBeGreaterThanOrEqual(15);
    expect(csv.map((row) => row.id)).toEqual(ndjson.map((event) => event.id));
  });

  it("Bearer authentication", async () => {
    const ok = await call(server, "/v1/events?limit=1");
    expect(ok.status).toBe(200);
    const bad = await call(server, "/v1/events?limit=1", { credential: "chr_not_a_key" });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ code: "unauthorized" });
    expect(await failure(server.as("chr_not_a_key").events.list())).toBeInstanceOf(
      AuthenticationError,
    );
  });

  it("rate limits; rate_limit_exceeded", async () => {
    // The same store behind a second server whose limit is 3 requests a minute.
    const limited = await startServer(server.ctx.store, { rateLimitPerMinute: 3 });
    try {
      const sdk = new Chronicle({ apiKey: server.key, baseUrl: limited.base, maxRetries: 0 });
      let error: unknown;
      for (let n = 0; n < 10 && !error; n++) {
        error = await sdk.events.list({ limit: 1 }).then(
          () => undefined,
          (e: unknown) => e,
        );
      }
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).code).toBe("rate_limit_exceeded");
      expect((error as RateLimitError).retryAfterMs).toBeGreaterThan(0);
      expect((error as RateLimitError).headers?.get("ratelimit-limit")).toBeTruthy();
    } finally {
      await limited.close();
    }
  });

  it("errors: invalid_cursor, rate_limit_exceeded and other failure modes", async () => {
    const response = await call(server, "/v1/events?cursor=nonsense");
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      code: "invalid_cursor",
      status: 400,
      request_id: expect.stringMatching(/^req_/),
    });
  });

  it("alerts that fire from activity", async () => {
    const controller = new AbortController();
    const received: Event[] = [];
    const tail = (async () => {
      for await (const event of server.chronicle.events.tail(
        { action: "job.failed" },
        { signal: controller.signal },
      )) {
        received.push(event);
        break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.chronicle.events.create(flareEvent(3));
    const failed = await server.chronicle.events.create({
      action: "job.failed",
      actor: { type: "system", id: "worker" },
      target: { type: "job", id: "job_9" },
    });
    await tail;
    controller.abort();
    expect(received.map((event) => event.id)).toEqual([failed.id]);
  });
});
