// Compiled by `pnpm typecheck`, never run: each @ts-expect-error fails the typecheck if
// the line below it starts to compile, so the SDK's types cannot silently loosen.
import {
  type Chronicle,
  type Event,
  type EventList,
  eventQuery,
  type ListResult,
  not,
} from "../src/index.js";

declare const chronicle: Chronicle;

export async function typeSafety(): Promise<void> {
  // Filters are the contract's query parameters.
  chronicle.events.list({ action: "issue.*", actor_type: "agent", order: "asc", limit: 10 });
  chronicle.events.list({ action: ["issue.created", "issue.closed"] });
  // @ts-expect-error — not a filter of listEvents (it is `actor_id`)
  chronicle.events.list({ actorId: "usr_1" });
  // @ts-expect-error — `order` is "asc" | "desc"
  chronicle.events.list({ order: "newest" });
  // @ts-expect-error — `limit` is a number
  chronicle.events.list({ limit: "10" });
  // q= is built from the language's keys.
  chronicle.events.list({ q: eventQuery({ actor: "usr_1" }, not({ actor_type: "agent" }), "x") });
  // @ts-expect-error — not a key of the query language (it is `actor`)
  eventQuery({ actor_id: "usr_1" });
  // @ts-expect-error — workspace feeds have their workspace in the path, not the query
  chronicle.workspaces.events("ws_1", { workspace_id: "ws_2" });

  // Event input is the contract's EventInput.
  await chronicle.events.create({ action: "issue.created", actor: { type: "user", id: "u1" } });
  // @ts-expect-error — not a member of EventInput (additionalProperties: false)
  await chronicle.events.create({ action: "a.b", actor: { type: "user", id: "u1" }, severity: 3 });
  // @ts-expect-error — actor.type is an enum
  await chronicle.events.create({ action: "a.b", actor: { type: "robot", id: "u1" } });
  // @ts-expect-error — actor is required
  await chronicle.events.create({ action: "a.b" });

  // Results are the contract's Event.
  const event: Event = await chronicle.events.get("evt_1");
  const seq: number = event.seq;
  // @ts-expect-error — Event has no camelCase members
  event.occurredAt;
  void seq;

  // A list is awaitable (a page) and iterable (events).
  const list: ListResult<EventList> = chronicle.events.list();
  const page: EventList = await list;
  for await (const item of list) {
    const action: string = item.action;
    // @ts-expect-error — items are events, not pages
    item.has_more;
    void action;
  }
  // @ts-expect-error — toArray needs a cap
  await list.toArray();
  void page;

  // Exports are typed by format.
  for await (const exported of chronicle.events.export({ format: "ndjson" })) {
    const hash: string = exported.hash;
    void hash;
  }
  for await (const row of chronicle.events.export({ format: "csv" }, { rows: "arrays" })) {
    const first: string | undefined = row[0];
    void first;
  }
  // @ts-expect-error — only ndjson and csv exist
  chronicle.events.export({ format: "xml" });

  // raw is the typed openapi-fetch client.
  const { data } = await chronicle.raw.GET("/v1/events/{event_id}", {
    params: { path: { event_id: "evt_1" } },
  });
  const rawSeq: number | undefined = data?.seq;
  void rawSeq;
  // @ts-expect-error — no such path in the contract
  await chronicle.raw.GET("/v1/nothing");
}
