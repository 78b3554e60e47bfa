import { AuthenticationError } from "../../packages/sdk/src/index.js";
import { chronicle } from "./client.js";

// Live events as they are committed. The SDK reconnects on its own (Last-Event-ID, backoff)
// and never yields an event twice.
for await (const event of chronicle.events.tail({ workspace_id: "ws_acme", action: "issue.*" })) {
  console.log(event.seq, event.action, event.summary);
  if (event.action === "issue.deleted") break; // closes the connection
}

// Resume from where a previous run stopped, and stop on a signal.
const lastSeenSeq = 1041;
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
try {
  for await (const event of chronicle.events.tail(
    {},
    { lastEventId: lastSeenSeq, signal: controller.signal },
  )) {
    console.log(event.seq);
  }
} catch (error) {
  if (!controller.signal.aborted) throw error;
}

// A tail (or an export) whose credential is revoked or expires ends with a typed error.
try {
  for await (const event of chronicle.events.tail({ workspace_id: "ws_acme" })) {
    console.log(event.seq);
  }
} catch (error) {
  const ended = error instanceof AuthenticationError;
  if (ended && error.code === "credential_expired") {
    // a viewer token ran out: get a new one from your backend, tail again with lastEventId
  } else throw error;
}
