import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

// The project's exact name confirms it; its keys stop working at once.
const deletion = await chronicle.project.delete("Acme Tracker");
console.log(`removed after ${deletion.purge_after} unless restored`);
