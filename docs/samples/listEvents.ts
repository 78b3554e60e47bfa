import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const page = await chronicle.events.list({ action: "issue.*", limit: 20 });
console.log(page.data.length, page.has_more, page.next_cursor);

// Or every matching event, page after page:
for await (const event of chronicle.events.list({ actor_id: "usr_8f2k1" })) {
  console.log(event.seq, event.action);
}
