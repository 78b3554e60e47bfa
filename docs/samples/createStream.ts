import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const stream = await chronicle.streams.create({
  name: "Acme SIEM",
  destination: { type: "webhook", url: "https://siem.acme.example/chronicle" },
  filters: { actions: ["issue.*"], workspace_id: "ws_acme" },
  batching: { max_events: 200, linger_ms: 500 },
});
console.log(stream.id); // the signing secret is in this answer only
