import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const versions = await chronicle.actions.schemas("invoice.paid");
for (const version of versions.data) console.log(version.version, version.created_at);
