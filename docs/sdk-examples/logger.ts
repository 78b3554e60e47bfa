import { QueueFullError } from "../../packages/sdk/src/index.js";
import { chronicle } from "./client.js";

const logger = chronicle.events.logger({
  maxBatch: 200, // events per request
  maxBytes: 512 * 1024, // bytes per request body
  flushIntervalMs: 2_000, // the longest an event waits for a full batch
  maxQueue: 10_000, // events held in memory, in flight included
  overflow: "block", // when full, `await logger.log()` waits for room
  onError: (error, events, { retrying }) => {
    // retrying: the batch stays queued and is sent again with the same idempotency key.
    // Not retrying: the server rejected these events (e.g. 422); they are yours to handle.
    console.error(`${events.length} events`, retrying ? "will be retried" : "given up", error);
  },
});

await logger.log({ action: "page.viewed", actor: { type: "user", id: "usr_8f2k1" } });
await logger.flush(); // everything queued so far is sent
await logger.close(); // flushes, stops the timer, refuses later events

// Never block the caller: drop the oldest queued events, and hear about each one.
const sampler = chronicle.events.logger({
  overflow: "drop_oldest",
  onOverflow: (dropped) => console.warn(`dropped ${dropped.length} events`),
});
// Or refuse new events while full.
const strict = chronicle.events.logger({ overflow: "reject", maxQueue: 1_000 });
try {
  await strict.log({ action: "job.started", actor: { type: "service", id: "worker" } });
} catch (error) {
  if (!(error instanceof QueueFullError)) throw error;
}
await Promise.all([sampler.close(), strict.close()]);
