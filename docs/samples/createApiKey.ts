import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const created = await chronicle.apiKeys.create({ name: "ingest", scopes: ["activity:write"] });
console.log(created.id, created.key); // the secret is shown only in this answer
