import {
  type Client,
  event,
  STORE_KINDS,
  setUpWithProject,
  type TestContext,
} from "@chronicle/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Minimal RFC 4180 parser, enough to read back what the server wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n") {
      row.push(cell.replace(/\r$/, ""));
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}

describe.each(STORE_KINDS)("export over HTTP (%s)", (kind) => {
  let ctx: TestContext;
  let api: Client;

  beforeAll(async () => {
    ({ ctx, api } = await setUpWithProject(kind, {
      events: [
        event({ summary: '=HYPERLINK("http://evil")' }),
        event({
          action: "zone.updated",
          summary: '+1, "quoted"\nsecond line',
          metadata: { note: "-2" },
        }),
        event({ action: "issue.updated", summary: "@SUM(A1)", workspace_id: "ws_other" }),
      ],
    }));
  });
  afterAll(async () => {
    await ctx.close();
  });

  it("when exporting NDJSON, then each line is a full Event in seq order, and the export is recorded", async () => {
    const response = await api("GET", "/v1/events/export?format=ndjson");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const lines = response.text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(lines[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(lines[1].prev_hash).toBe(lines[0].hash);

    const recorded = await api("GET", "/v1/events?action=events.exported");
    expect(recorded.json.data).toHaveLength(1);
    expect(recorded.json.data[0].actor.type).toBe("api_key");
    expect(recorded.json.data[0].metadata.format).toBe("ndjson");

    const filtered = await api("GET", "/v1/events/export?format=ndjson&action=issue.*");
    const actions = filtered.text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line).action);
    expect(actions).toEqual(["issue.created", "issue.updated"]);
  });

  it("when exporting CSV, then it has a header, JSON cells and neutralised formulas", async () => {
    const response = await api("GET", "/v1/events/export?format=csv&action=issue.*&action=zone.*");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parseCsv(response.text);
    const header = rows[0] as string[];
    expect(header.slice(0, 4)).toEqual(["id", "seq", "action", "actor"]);
    const summary = header.indexOf("summary");
    const metadata = header.indexOf("metadata");
    const actor = header.indexOf("actor");
    expect(rows.slice(1).map((r) => r[summary])).toEqual([
      '\'=HYPERLINK("http://evil")',
      '\'+1, "quoted"\nsecond line',
      "'@SUM(A1)",
    ]);
    expect(JSON.parse(rows[2]?.[metadata] as string)).toEqual({ note: "-2" });
    expect(JSON.parse(rows[1]?.[actor] as string).id).toBe("usr_1");
  });

  it("when the client goes away mid-export, then the server keeps serving", async () => {
    await api("POST", "/v1/events/batch", {
      body: {
        events: Array.from({ length: 1000 }, (_, i) =>
          event({ summary: `bulk ${i} ${"z".repeat(200)}` }),
        ),
      },
    });
    const controller = new AbortController();
    const response = await fetch(`${ctx.server.base}/v1/events/export?format=ndjson`, {
      headers: { Authorization: await ownKeyHeader() },
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    const health = await api("GET", "/v1/health");
    expect(health.status).toBe(200);
    const list = await api("GET", "/v1/events?limit=1");
    expect(list.status).toBe(200);
  });

  async function ownKeyHeader() {
    const key = await api("POST", "/v1/api-keys", {
      body: { name: "exporter", scopes: ["activity:export"] },
    });
    return `Bearer ${key.json.key}`;
  }
});
