import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const event = await chronicle.events.create({
  action: "issue.created",
  actor: { type: "user", id: "usr_8f2k1", name: "Ada Lovelace" },
  target: { type: "issue", id: "ISS-1042", name: "Checkout fails on Safari" },
  workspace_id: "ws_acme",
  metadata: { priority: "high" },
});
console.log(event.id, event.seq, event.hash);
