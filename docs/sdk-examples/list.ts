import { chronicle } from "./client.js";

// Await: the first page, exactly as the API sends it.
const page = await chronicle.events.list({ action: "issue.*", limit: 20 });
console.log(page.data.length, page.has_more, page.next_cursor);

// for await: every matching event, fetching pages as the loop needs them.
for await (const event of chronicle.events.list({ actor_id: "usr_8f2k1" })) {
  if (event.action === "issue.deleted") break; // no further page is fetched
}

// Page by page.
for await (const { data } of chronicle.events.list({ workspace_id: "ws_acme" }).pages()) {
  console.log(`${data.length} events`);
}

// Collect, with a cap (required).
const recent = await chronicle.events.list({ search: "checkout" }).toArray({ max: 500 });

// A resource's history and a workspace's feed.
const history = chronicle.targets.list("issue", "ISS-1042", { order: "asc" });
const feed = chronicle.workspaces.events("ws_acme", { start_time: "2026-11-01T00:00:00Z" });

// Cancel a long iteration.
const controller = new AbortController();
setTimeout(() => controller.abort(), 5_000);
for await (const event of chronicle.events.list({}, { signal: controller.signal })) {
  console.log(event.id);
}
console.log(recent.length, await history, await feed);
