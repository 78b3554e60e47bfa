import { Chronicle } from "../../packages/sdk/src/index.js";

const apiKey = process.env.CHRONICLE_API_KEY;
if (!apiKey) throw new Error("Set CHRONICLE_API_KEY to the key that pnpm start printed");

const chronicle = new Chronicle({ apiKey, baseUrl: "http://127.0.0.1:3000" });

await chronicle.events.create({
  action: "issue.created",
  actor: { type: "user", id: "usr_8f2k1" },
  target: { type: "issue", id: "ISS-1042" },
});
for await (const event of chronicle.events.list({ action: "issue.*" })) {
  console.log(event.seq, event.action, event.summary);
}
