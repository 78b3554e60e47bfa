import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

for await (const apiKey of chronicle.apiKeys.list()) {
  console.log(apiKey.id, apiKey.name, apiKey.scopes, apiKey.revoked_at);
}
