import { Webhook } from "standardwebhooks";
import { newWebhookSecret } from "../credentials.js";
import { type DestinationDriver, USER_AGENT } from "./types.js";

/**
 * Standard Webhooks (https://www.standardwebhooks.com): the body is
 * `{type, timestamp, data: {stream_id, events}}`, signed over `id.timestamp.body`. During a
 * secret rotation both the new and the previous secret sign, space-separated, so receivers
 * holding either verify.
 */
export const webhookDriver: DestinationDriver = {
  type: "webhook",
  maxEvents: 1000,
  split(input) {
    if (input.type !== "webhook") throw new Error("not a webhook destination");
    return {
      destination: { type: "webhook", url: input.url },
      credentials: { secret: newWebhookSecret() },
    };
  },
  urlOf: (destination) => (destination as { url: string }).url,
  request(destination, credentials, message) {
    const body = JSON.stringify({
      type: message.kind === "test" ? "chronicle.stream.test" : "chronicle.events",
      timestamp: message.sentAt.toISOString(),
      data: { stream_id: message.streamId, events: message.events },
    });
    const previousValid = Date.parse(credentials.previous_until ?? "") > message.sentAt.getTime();
    const secrets = [
      credentials.secret,
      previousValid ? credentials.previous_secret : undefined,
    ].filter((secret): secret is string => typeof secret === "string");
    const signature = secrets
      .map((secret) => new Webhook(secret).sign(message.id, message.sentAt, body))
      .join(" ");
    return {
      url: (destination as { url: string }).url,
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message.id,
        "webhook-timestamp": String(Math.floor(message.sentAt.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body,
    };
  },
};
