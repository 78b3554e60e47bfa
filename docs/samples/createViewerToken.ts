import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const viewer = await chronicle.viewerTokens.create({ workspace_id: "ws_acme", ttl_seconds: 900 });
console.log(viewer.token, viewer.expires_at);
