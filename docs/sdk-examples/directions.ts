import { chronicle } from "./client.js";

// Oldest first, from a saved position; `.backward()` walks the same query the other way,
// through `prev_cursor`, starting with the same page.
const saved = (await chronicle.events.list({ order: "asc", limit: 50 })).next_cursor;
if (saved) {
  const fromHere = chronicle.events.list({ order: "asc", limit: 50, cursor: saved });
  const before = await fromHere.backward().toArray({ max: 200 }); // newest of them first
  console.log(before.map((event) => event.seq));
}

// Incremental polling: with order=asc, next_cursor is always set; ask again with it later
// and you get exactly the events committed since, never one twice.
let cursor: string | undefined;
for (let round = 0; round < 3; round++) {
  const polled = await chronicle.events.list({ order: "asc", limit: 200, cursor });
  for (const event of polled.data) console.log(event.seq, event.action);
  cursor = polled.next_cursor ?? cursor;
  await new Promise((resolve) => setTimeout(resolve, 5_000));
}
