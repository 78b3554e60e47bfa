import { anyOf, Chronicle, eventQuery, not } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const q = eventQuery(
  { action: "issue.*", workspace: "ws_acme", created: ">=2026-11-01" },
  not({ actor_type: "agent" }),
  anyOf({ actor: "usr_1" }, { on_behalf_of: "usr_1" }),
  "checkout fails",
);
for await (const event of chronicle.events.list({ q })) console.log(event.seq, event.action);
