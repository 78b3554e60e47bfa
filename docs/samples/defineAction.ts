import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

const action = await chronicle.actions.define("invoice.paid", {
  description: "An invoice was paid",
  metadata_schema: {
    type: "object",
    required: ["amount"],
    properties: { amount: { type: "number" } },
  },
});
console.log(action.action);
