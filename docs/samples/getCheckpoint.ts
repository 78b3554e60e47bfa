import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const checkpoint = await chronicle.integrity.checkpoint();
console.log(checkpoint);
