import { Chronicle } from "../../packages/sdk/src/index.js";

const chronicle = new Chronicle({
  apiKey: process.env.CHRONICLE_API_KEY ?? "",
  baseUrl: "http://127.0.0.1:3000",
});

for await (const event of chronicle.targets.list("issue", "ISS-1042", { order: "asc" })) {
  console.log(event.seq, event.action);
}
