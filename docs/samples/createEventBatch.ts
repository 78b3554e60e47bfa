import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const { data } = await chronicle.events.batch({
  events: [
    { action: "issue.assigned", actor: { type: "agent", id: "agt_triage" } },
    {
      action: "issue.updated",
      actor: { type: "user", id: "usr_8f2k1" },
      changes: { before: { status: "open" }, after: { status: "in_progress" } },
    },
  ],
});
console.log(data.map((event) => event.seq));
