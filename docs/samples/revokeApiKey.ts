import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const revoked = await chronicle.apiKeys.revoke("key_01JD5K8Q3F9X7M2N4P6R8T0V2W");
console.log(revoked.revoked_at);
