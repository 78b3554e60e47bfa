import { verifyWebhook, WebhookVerificationError } from "../../packages/sdk/src/index.js";
import { chronicle } from "./client.js";

// A webhook stream of one customer's issue events; the secret is only in this answer.
const stream = await chronicle.streams.create({
  name: "Acme SIEM",
  destination: { type: "webhook", url: "https://siem.acme.example/chronicle" },
  filters: { actions: ["issue.*"], workspace_id: "ws_acme" },
  batching: { max_events: 200, linger_ms: 500 },
});
const secret = stream.secret ?? "";

// Operate it: test, pause and resume (from the cursor), replay, look at attempts.
console.log((await chronicle.streams.test(stream.id)).outcome);
await chronicle.streams.pause(stream.id);
await chronicle.streams.resume(stream.id);
await chronicle.streams.replay(stream.id, 1500);
for await (const attempt of chronicle.streams.deliveries(stream.id)) {
  console.log(attempt.message_id, attempt.status_code, attempt.error);
}

// In the receiver: verify the raw body (Standard Webhooks), deduplicate on webhook-id.
export async function receive(request: Request): Promise<Response> {
  try {
    const payload = await verifyWebhook(await request.text(), request.headers, secret);
    for (const event of payload.data.events) console.log(event);
    return new Response(null, { status: 204 });
  } catch (error) {
    if (error instanceof WebhookVerificationError) return new Response(null, { status: 400 });
    throw error;
  }
}
