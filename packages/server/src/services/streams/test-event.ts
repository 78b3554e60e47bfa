import type { Event } from "@chronicle/types";
import { DEFAULT_VERSION } from "../../domain/api-versions.js";
import { notFound } from "../../domain/errors.js";
import { newId } from "../system/ids.js";
import { postOptionsOf, type StreamsContext } from "./context.js";
import type { Credentials } from "./credentials.js";
import { recordAttempt } from "./deliveries.js";
import { driverFor } from "./destinations/index.js";
import { postOnce } from "./http-post.js";
import type { StreamDelivery, StreamRecord } from "./stream-row.js";

/** A synthetic `stream.test` event: it is not in the log (seq 0, no hash). */
function testEvent(record: StreamRecord, now: Date): Event {
  const at = now.toISOString();
  return {
    id: newId("evt"),
    seq: 0,
    action: "stream.test",
    actor: { type: "system", id: "chronicle", name: "Chronicle", email: null, on_behalf_of: null },
    target: { type: "stream", id: record.stream.id, name: record.stream.name },
    targets: [],
    workspace_id: record.stream.filters.workspace_id,
    summary: `Test event for log stream "${record.stream.name}"`,
    metadata: {},
    changes: null,
    changed_fields: [],
    context: null,
    outcome: null,
    reason: null,
    correlation_id: null,
    api_version: DEFAULT_VERSION,
    schema_version: null,
    occurred_at: at,
    created_at: at,
    prev_hash: null,
    hash: "",
  } as Event;
}

/** Sends one test event now, outside the cursor, and records the attempt. */
export async function sendTestEvent(
  context: StreamsContext,
  record: StreamRecord,
  credentials: Credentials,
): Promise<StreamDelivery> {
  const driver = driverFor(record.stream.destination.type);
  const sentAt = new Date();
  const message = {
    id: newId("msg"),
    streamId: record.stream.id,
    kind: "test" as const,
    events: [testEvent(record, sentAt)],
    sentAt,
  };
  const request = driver.request(record.stream.destination, credentials, message);
  const result = await postOnce(request.url, request.headers, request.body, postOptionsOf(context));
  const recorded = await recordAttempt(context.store, {
    projectId: record.projectId,
    streamId: record.stream.id,
    kind: "test",
    messageId: message.id,
    firstSeq: null,
    lastSeq: null,
    eventCount: 1,
    result,
  });
  if (!recorded) throw notFound("Stream");
  return recorded;
}
