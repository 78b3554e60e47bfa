import type { Event } from "@chronicle/types";
import { describe, expect, it } from "vitest";
import { cutBatch } from "../../src/services/streams/batch.js";
import { driverFor } from "../../src/services/streams/destinations/index.js";
import type {
  DeliveryMessage,
  Destination,
} from "../../src/services/streams/destinations/types.js";

function event(seq: number, metadata: Record<string, unknown>): Event {
  return {
    id: `evt_${seq}`,
    seq,
    action: "document.updated",
    actor: { type: "user", id: "usr_1", name: 'Ada "the first" \u2028 Lovelace' },
    target: { type: "document", id: `doc_${seq}`, name: null },
    workspace_id: null,
    metadata,
    context: {},
    occurred_at: "2026-12-04T10:00:00.123Z",
    created_at: "2026-12-04T10:00:00.456Z",
    hash: "h",
  } as unknown as Event;
}

const events = [
  event(1, {
    emoji: "😀",
    control: "\u0000\u001f",
    slash: "a/b\\c",
    nested: { list: [1, 2.5, -0] },
  }),
  event(2, { lone: "\ud800", big: 1e21, text: "ä".repeat(300) }),
];

const message = (kind: DeliveryMessage["kind"]): DeliveryMessage => ({
  id: "msg_1",
  streamId: "stm_1",
  kind,
  events,
  sentAt: new Date("2026-12-04T10:00:01.000Z"),
});

describe("destination bodies, built from each event's text as the batch cutter serialised it", () => {
  it("when the batch was cut first, then the webhook body is exactly JSON.stringify of the envelope", () => {
    cutBatch(events, 2, { max_events: 100, max_bytes: 1_000_000, linger_ms: 0 });
    const webhook = driverFor("webhook");
    for (const kind of ["events", "test"] as const) {
      const { body } = webhook.request(
        { type: "webhook", url: "https://example.com/" } as Destination,
        { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
        message(kind),
      );
      expect(body).toBe(
        JSON.stringify({
          type: kind === "test" ? "chronicle.stream.test" : "chronicle.events",
          timestamp: "2026-12-04T10:00:01.000Z",
          data: { stream_id: "stm_1", events },
        }),
      );
    }
  });

  it("when Splunk HEC has an index or none, then each line is exactly JSON.stringify of the HEC event", () => {
    const splunk = driverFor("splunk_hec");
    for (const index of [null, 'main "x"']) {
      const destination = {
        type: "splunk_hec",
        url: "https://splunk.example.com:8088",
        source: "chronicle",
        sourcetype: "chronicle:event",
        index,
      } as Destination;
      const { body } = splunk.request(destination, { token: "t" }, message("events"));
      expect(body).toBe(
        events
          .map((e) =>
            JSON.stringify({
              time: Date.parse(e.created_at) / 1000,
              source: "chronicle",
              sourcetype: "chronicle:event",
              ...(index ? { index } : {}),
              event: e,
            }),
          )
          .join("\n"),
      );
    }
  });

  it("when the event objects were not cut first, then the bodies are the same", () => {
    const fresh = events.map((e) => structuredClone(e));
    const { body } = driverFor("webhook").request(
      { type: "webhook", url: "https://example.com/" } as Destination,
      { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
      { ...message("events"), events: fresh },
    );
    expect(JSON.parse(body).data.events).toEqual(JSON.parse(JSON.stringify(events)));
  });
});
