import { nodeHash, type TestEvent } from "./chain.js";
import { json, problem } from "./fake-fetch.js";

interface Cursor {
  k: "after" | "before";
  s: number;
}

const encodeCursor = (cursor: Cursor) => btoa(JSON.stringify(cursor));
const decodeCursor = (value: string): Cursor => JSON.parse(atob(value)) as Cursor;

/**
 * An in-memory imitation of the event endpoints, enough to drive the client over HTTP:
 * create (with idempotency replay), batch, get, list (keyset cursors both ways), export.
 * `fail(request)` can answer instead, to script outages.
 */
export function fakeApi(
  options: { fail?: (request: Request, call: number) => Response | undefined } = {},
) {
  const events: TestEvent[] = [];
  const replies = new Map<string, { status: number; body: unknown }>();
  const requests: Request[] = [];

  const record = (input: { action: string; actor: { type: string; id: string } }): TestEvent => {
    const seq = events.length + 1;
    const event: TestEvent = {
      id: `evt_${String(seq).padStart(26, "0")}`,
      seq,
      action: input.action,
      actor: {
        type: input.actor.type,
        id: input.actor.id,
        name: null,
        email: null,
        on_behalf_of: null,
      },
      target: null,
      targets: [],
      workspace_id: null,
      summary: null,
      metadata: {},
      changes: null,
      changed_fields: [],
      context: null,
      occurred_at: new Date(Date.UTC(2026, 10, 23, 0, 0, seq)).toISOString(),
      created_at: new Date(Date.UTC(2026, 10, 23, 0, 0, seq)).toISOString(),
      prev_hash: events.at(-1)?.hash ?? null,
      hash: "",
    };
    event.hash = nodeHash(event as unknown as Record<string, unknown>);
    events.push(event);
    return event;
  };

  const idempotent = (request: Request, run: () => { status: number; body: unknown }) => {
    const key = request.headers.get("idempotency-key");
    const stored = key ? replies.get(key) : undefined;
    if (stored) return json(stored.body, stored.status, { "Idempotent-Replayed": "true" });
    const reply = run();
    if (key) replies.set(key, reply);
    return json(reply.body, reply.status);
  };

  const list = (url: URL) => {
    const order = url.searchParams.get("order") ?? "desc";
    const limit = Number(url.searchParams.get("limit") ?? 50);
    const actions = url.searchParams.getAll("action");
    const cursorParam = url.searchParams.get("cursor");
    const cursor = cursorParam ? decodeCursor(cursorParam) : undefined;
    const matching = events.filter(
      (event) =>
        actions.length === 0 ||
        actions.some((action) =>
          action.endsWith(".*")
            ? event.action.startsWith(action.slice(0, -1))
            : event.action === action,
        ),
    );
    const ordered = order === "asc" ? matching : [...matching].reverse();
    const at = (seq: number) => ordered.findIndex((event) => event.seq === seq);
    const after = (event: TestEvent | undefined) =>
      event && encodeCursor({ k: "after", s: event.seq });
    const before = (event: TestEvent | undefined) =>
      event && encodeCursor({ k: "before", s: event.seq });
    if (cursor?.k === "before") {
      const end = at(cursor.s);
      const start = Math.max(0, end - limit);
      const rows = ordered.slice(start, end);
      return json({
        data: rows,
        has_more: start > 0,
        next_cursor: after(rows.at(-1)) ?? null,
        prev_cursor: start > 0 ? (before(rows[0]) ?? null) : null,
      });
    }
    const start = cursor ? at(cursor.s) + 1 : 0;
    const rows = ordered.slice(start, start + limit);
    const hasMore = start + limit < ordered.length;
    const next = hasMore || order === "asc" ? (after(rows.at(-1)) ?? cursorParam) : null;
    return json({
      data: rows,
      has_more: hasMore,
      next_cursor: next ?? null,
      prev_cursor: cursor && start > 0 ? (before(rows[0]) ?? null) : null,
    });
  };

  const fetch = async (request: Request): Promise<Response> => {
    requests.push(request);
    const scripted = options.fail?.(request, requests.length);
    if (scripted) return scripted;
    const url = new URL(request.url);
    const route = `${request.method} ${url.pathname}`;
    if (route === "POST /v1/events") {
      const body = (await request.json()) as Parameters<typeof record>[0];
      return idempotent(request, () => ({ status: 201, body: record(body) }));
    }
    if (route === "POST /v1/events/batch") {
      const body = (await request.json()) as { events: Parameters<typeof record>[0][] };
      return idempotent(request, () => ({ status: 201, body: { data: body.events.map(record) } }));
    }
    if (route === "GET /v1/events") return list(url);
    const get = /^GET \/v1\/events\/(evt_\w+)$/.exec(route);
    if (get) {
      const event = events.find((candidate) => candidate.id === get[1]);
      return event ? json(event) : problem(404, "not_found");
    }
    if (route === "GET /v1/events/export") {
      const lines = events.map((event) => `${JSON.stringify(event)}\n`);
      const encoder = new TextEncoder();
      let index = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            const line = lines[index++];
            if (line === undefined) controller.close();
            // Two chunks per line, split mid-line.
            else controller.enqueue(encoder.encode(line));
          },
        }),
        { headers: { "content-type": "application/x-ndjson" } },
      );
    }
    return problem(404, "not_found");
  };

  return { fetch, events, requests, record };
}
