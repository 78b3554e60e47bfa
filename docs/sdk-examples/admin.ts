import { Chronicle } from "../../packages/sdk/src/index.js";
import { chronicle } from "./client.js";

// The action catalog; a metadata schema is enforced on later events.
await chronicle.actions.define("invoice.paid", {
  description: "An invoice was paid",
  metadata_schema: {
    type: "object",
    required: ["amount"],
    properties: { amount: { type: "number" } },
  },
});
for await (const action of chronicle.actions.list()) console.log(action.action, action.count);

// The project: counts and retention.
const project = await chronicle.project.get();
await chronicle.project.update({ retention_days: 365 });

// API keys: the secret is only in the create answer.
const { id, key } = await chronicle.apiKeys.create({ name: "ingest", scopes: ["activity:write"] });
for await (const apiKey of chronicle.apiKeys.list()) console.log(apiKey.name, apiKey.revoked_at);
await chronicle.apiKeys.revoke(id);

// A viewer token for one end customer's browser: read-only, one workspace, short-lived.
const viewer = await chronicle.viewerTokens.create({ workspace_id: "ws_acme", ttl_seconds: 900 });
const inTheBrowser = new Chronicle({ apiKey: viewer.token, baseUrl: "https://audit.example.com" });
const feed = await inTheBrowser.workspaces.events("ws_acme", { limit: 25 });
// Revoke it when the user signs out (it also dies with the key that created it): its
// requests are refused and its open streams end within seconds.
await chronicle.viewerTokens.revoke(viewer.id);
console.log(project.counts, key.length, feed.data.length);
