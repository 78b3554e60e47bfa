import { Chronicle } from "../../packages/sdk/src/index.js";

export const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://localhost:3000",
  maxRetries: 3, // retries after the first attempt (default 2)
  timeoutMs: 10_000, // per attempt, body included (default 60 s)
});
