// Seed 001, DNScale's Activity API: every row of its table in docs/guides/coming-from.md,
// against the real server through the SDK (raw HTTP where the row is about the wire). Each
// test is named after its row.
import { Receiver, waitFor } from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Event,
  type EventInput,
  PermissionDeniedError,
  ValidationError,
} from "../../packages/sdk/src/index.js";
import { call, failure, SETUP_TIMEOUT_MS, type SeedServer, startSeedServer } from "./support.js";

let server: SeedServer;
const splunk = new Receiver(() => ({ status: 200, body: '{"text":"Success","code":0}' }));

const sre = { type: "user" as const, id: "usr_sre", name: "Alex Admin", email: "sre@example.com" };

/** Zone and record changes across November, one a day, as DNScale's dashboard records them. */
function dnsEvent(day: number): EventInput {
  const resource = day % 2 ? "zone" : "record";
  const verb = ["created", "updated", "deleted"][day % 3];
  return {
    action: `${resource}.${verb}`,
    actor: sre,
    target: { type: resource, id: `${resource}_${day}`, name: `example-${day}.eu` },
    workspace_id: day % 4 ? "cus_acme" : "cus_globex",
    summary: `${resource} ${verb}`,
    metadata: { ttl: 300 + day },
    ...(verb === "updated"
      ? {
          changes: {
            before: { status: "pending", ttl: 300 },
            after: { status: "active", ttl: 300 },
          },
        }
      : {}),
    context: {
      ip_address: day % 5 ? "203.0.113.10" : "198.51.100.7",
      user_agent: "dnscale-dashboard/1.8.2",
    },
    occurred_at: `2025-11-${String(day).padStart(2, "0")}T14:22:18Z`,
  };
}

beforeAll(async () => {
  server = await startSeedServer("DNScale", { streams: true });
  await splunk.start();
  await server.chronicle.events.batch({
    events: Array.from({ length: 30 }, (_, index) => dnsEvent(index + 1)),
  });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await server?.close();
  await splunk.close();
});

describe("coming from seed 001 (DNScale Activity)", () => {
  it("GET /v1/activity: the authenticated customer's activity", async () => {
    const page = await server.chronicle.events.list({ limit: 100 });
    expect(page.data).toHaveLength(30);
  });

  it("required scope activity:read", async () => {
    const writer = await server.chronicle.apiKeys.create({
      name: "ingest",
      scopes: ["activity:write"],
    });
    const error = await failure(server.as(writer.key).events.list());
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as PermissionDeniedError).code).toBe("forbidden");
    const reader = await server.chronicle.apiKeys.create({
      name: "siem",
      scopes: ["activity:read"],
    });
    expect((await server.as(reader.key).events.list({ limit: 1 })).data).toHaveLength(1);
  });

  it("limit, default 50, max 100", async () => {
    await server.chronicle.events.batch({
      events: Array.from({ length: 30 }, () => ({
        action: "billing.viewed",
        actor: sre,
      })),
    });
    expect((await server.chronicle.events.list()).data).toHaveLength(50);
    expect((await server.chronicle.events.list({ limit: 200 })).data.length).toBeGreaterThan(50);
    const error = await failure(server.chronicle.events.list({ limit: 201 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe("invalid_parameter");
  });

  it("offset pagination", async () => {
    const offset = await call(server, "/v1/events?limit=10&offset=10");
    expect(offset.status).toBe(400);
    expect(await offset.json()).toMatchObject({ code: "invalid_parameter" });
    // The eleventh to twentieth events: the second page of ten, by cursor.
    const all = await server.chronicle.events.list({ target_type: "zone", limit: 100 });
    const first = await server.chronicle.events.list({ target_type: "zone", limit: 10 });
    const second = await server.chronicle.events.list({
      target_type: "zone",
      limit: 10,
      cursor: first.next_cursor ?? "",
    });
    expect(second.data.map((event) => event.id)).toEqual(
      all.data.slice(10, 20).map((event) => event.id),
    );
  });

  it("resource filter", async () => {
    const zones = await server.chronicle.events.list({ target_type: "zone", limit: 100 });
    expect(zones.data).toHaveLength(15);
    expect(zones.data.every((event) => event.target?.type === "zone")).toBe(true);
  });

  it("action filter by verb", async () => {
    const updated = await server.chronicle.events.list({ action: "*.updated", limit: 100 });
    expect(updated.data).toHaveLength(10);
    expect(new Set(updated.data.map((event) => event.action))).toEqual(
      new Set(["zone.updated", "record.updated"]),
    );
    // Verbs mix with prefixes and exact actions (OR).
    const mixed = await server.chronicle.events.list({
      action: ["*.deleted", "zone.*"],
      limit: 100,
    });
    expect(
      mixed.data.every((e) => e.action.endsWith(".deleted") || e.action.startsWith("zone.")),
    ).toBe(true);
    expect(mixed.data).toHaveLength(20);
  });

  it("resource + action combined", async () => {
    const deleted = await server.chronicle.events.list({ action: "record.deleted", limit: 100 });
    expect(deleted.data.length).toBeGreaterThan(0);
    expect(
      deleted.data.every(
        (event) => event.action === "record.deleted" && event.target?.type === "record",
      ),
    ).toBe(true);
  });

  it("search: case-insensitive across action, resource, resource ID and payload", async () => {
    const byId = await server.chronicle.events.list({ search: "ZONE_7", limit: 100 });
    expect(byId.data.map((event) => event.target?.id)).toEqual(["zone_7"]);
    const byAction = await server.chronicle.events.list({ search: "Record.Deleted", limit: 100 });
    expect(byAction.data.every((event) => event.action === "record.deleted")).toBe(true);
    const byMetadata = await server.chronicle.events.list({ search: "317", limit: 100 });
    expect(byMetadata.data.map((event) => event.metadata)).toContainEqual({ ttl: 317 });
    // The payload's old and new values: "pending" is only ever a before value.
    const byChanges = await server.chronicle.events.list({ search: "PENDING", limit: 100 });
    expect(byChanges.data).toHaveLength(10);
    expect(byChanges.data.every((event) => event.changes?.before.status === "pending")).toBe(true);
  });

  it("start_time and end_time, RFC 3339, inclusive", async () => {
    const days = async (end_time: string) => {
      const page = await server.chronicle.events.list({
        start_time: "2025-11-03T14:22:18Z",
        end_time,
        limit: 100,
      });
      return page.data.map((event) => event.occurred_at.slice(8, 10)).sort();
    };
    // start_time is inclusive, end_time exclusive: an inclusive end is the next millisecond.
    expect(await days("2025-11-09T14:22:18Z")).toEqual(["03", "04", "05", "06", "07", "08"]);
    expect(await days("2025-11-09T14:22:18.001Z")).toEqual([
      "03",
      "04",
      "05",
      "06",
      "07",
      "08",
      "09",
    ]);
  });

  it("id, action, resource, resource_id", async () => {
    const [event] = (await server.chronicle.events.list({ search: "zone_5", limit: 1 })).data;
    expect(event).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      action: "zone.deleted",
      target: { type: "zone", id: "zone_5" },
    });
  });

  it("old_values and new_values", async () => {
    const [event] = (await server.chronicle.events.list({ action: "zone.updated", limit: 1 })).data;
    expect(event?.changes).toEqual({
      before: { status: "pending", ttl: 300 },
      after: { status: "active", ttl: 300 },
    });
    expect(event?.changed_fields).toEqual(["status"]);
  });

  it("ip_address and user_agent", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1, target_type: "zone" })).data;
    expect(event?.context).toMatchObject({
      ip_address: "203.0.113.10",
      user_agent: "dnscale-dashboard/1.8.2",
    });
    const fromAddress = await server.chronicle.events.list({
      ip_address: "198.51.100.7",
      limit: 100,
    });
    expect(fromAddress.data.map((e) => e.target?.id.split("_")[1]).sort()).toEqual([
      "10",
      "15",
      "20",
      "25",
      "30",
      "5",
    ]);
    const byAgent = await server.chronicle.events.list({ search: "Dashboard/1.8", limit: 100 });
    expect(byAgent.data).toHaveLength(30);
  });

  it("Filtering tips: precise queries", async () => {
    const query =
      "action:*.updated,*.deleted target_type:zone -workspace:cus_globex created:>=2025-11-10";
    const page = await server.chronicle.events.list({ q: query, limit: 100 });
    expect(page.data.length).toBeGreaterThan(0);
    for (const event of page.data) {
      expect(event.action).toMatch(/^zone\.(updated|deleted)$/);
      expect(event.workspace_id).toBe("cus_acme");
      expect(event.occurred_at >= "2025-11-10").toBe(true);
    }
    const broken = await failure(server.chronicle.events.list({ q: 'action:zone.* "unclosed' }));
    expect(broken).toBeInstanceOf(ValidationError);
    expect((broken as ValidationError).code).toBe("invalid_parameter");
  });

  it("user_email and user_name", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1, target_type: "zone" })).data;
    expect(event?.actor).toMatchObject({ email: "sre@example.com", name: "Alex Admin" });
  });

  it("created_at", async () => {
    const [event] = (await server.chronicle.events.list({ limit: 1, target_type: "zone" })).data;
    expect(event?.occurred_at).toMatch(/^2025-11-\d\dT14:22:18\.000Z$/);
    expect(Number.isNaN(Date.parse(event?.created_at ?? ""))).toBe(false);
  });

  it("meta: limit and offset of the page", async () => {
    const page = await server.chronicle.events.list({
      target_type: "record",
      limit: 5,
      include_total: true,
    });
    expect(page).toMatchObject({ has_more: true, total: 15, next_cursor: expect.any(String) });
  });

  it("status: success envelope", async () => {
    const ok = await call(server, "/v1/events?limit=1");
    expect(Object.keys(await ok.json()).sort()).toEqual([
      "data",
      "has_more",
      "next_cursor",
      "prev_cursor",
    ]);
    const bad = await call(server, "/v1/events?start_time=yesterday");
    expect(bad.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await bad.json()).toMatchObject({ status: 400, code: "invalid_parameter" });
  });

  it("search for a zone name or ID", async () => {
    const byName = await server.chronicle.events.list({ search: "example-12.eu", limit: 100 });
    expect(byName.data.map((event) => event.target?.id)).toEqual(["record_12"]);
  });

  it("time-bounded export for compliance reviews", async () => {
    const rows: Event[] = [];
    for await (const event of server.chronicle.events.export({
      format: "ndjson",
      start_time: "2025-11-10T00:00:00Z",
      end_time: "2025-11-19T23:59:59Z",
    })) {
      rows.push(event);
    }
    expect(rows).toHaveLength(10);
    expect(rows.map((event) => event.seq)).toEqual(
      [...rows.map((e) => e.seq)].sort((a, b) => a - b),
    );
  });

  it("stream results into SIEM tooling", async () => {
    // A Splunk HTTP Event Collector (a local receiver), fed every zone event from the first.
    const stream = await server.chronicle.streams.create({
      name: "siem",
      destination: { type: "splunk_hec", url: splunk.url, token: "hec-token" },
      filters: { actions: ["zone.*"] },
      batching: { linger_ms: 0 },
      from_seq: 1,
    });
    const delivered = await waitFor(() => {
      const events = splunk.requests.flatMap((request) =>
        request.body
          .split("\n")
          .filter(Boolean)
          .map((line) => (JSON.parse(line) as { event: Event }).event),
      );
      return events.length >= 15 ? events : undefined;
    }, "fifteen zone events at the collector");
    expect(splunk.requests[0]?.path).toBe("/services/collector/event");
    expect(splunk.requests[0]?.headers.authorization).toBe("Splunk hec-token");
    expect(delivered.every((event) => event.action.startsWith("zone."))).toBe(true);
    expect(delivered).toHaveLength(15);
    await server.chronicle.streams.delete(stream.id);
  });

  it("investigate configuration drift", async () => {
    const drift = await server.chronicle.events.list({ changed_field: "status", limit: 100 });
    expect(drift.data).toHaveLength(10);
    const none = await server.chronicle.events.list({ changed_field: "ttl", limit: 100 });
    expect(none.data).toHaveLength(0);
  });

  it("a unified log of every customer-scoped action", async () => {
    const globex = await server.chronicle.workspaces.events("cus_globex").toArray({ max: 100 });
    expect(globex).toHaveLength(7);
    expect(globex.every((event) => event.workspace_id === "cus_globex")).toBe(true);
  });
});
