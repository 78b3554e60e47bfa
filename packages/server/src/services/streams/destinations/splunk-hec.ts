import type { components } from "@chronicle/types";
import { eventJson } from "../event-json.js";
import { type DestinationDriver, USER_AGENT } from "./types.js";

type SplunkDestination = components["schemas"]["SplunkHecDestination"];

/**
 * Splunk HTTP Event Collector: `POST {url}/services/collector/event` with
 * `Authorization: Splunk <token>`, a body of concatenated HEC event objects, one per
 * Chronicle event, `time` in epoch seconds (milliseconds as decimals).
 */
export const splunkHecDriver: DestinationDriver = {
  type: "splunk_hec",
  maxEvents: 1000,
  split(input) {
    if (input.type !== "splunk_hec") throw new Error("not a splunk_hec destination");
    return {
      destination: {
        type: "splunk_hec",
        url: input.url.replace(/\/+$/, ""),
        source: input.source ?? "chronicle",
        sourcetype: input.sourcetype ?? "chronicle:event",
        index: input.index ?? null,
      },
      credentials: { token: input.token },
    };
  },
  urlOf: (destination) => `${(destination as SplunkDestination).url}/services/collector/event`,
  request(destination, credentials, message) {
    const hec = destination as SplunkDestination;
    // Each line is JSON.stringify({time, source, sourcetype, index?, event}), with the
    // event's text as the batch cutter serialised it.
    const fields = `"source":${JSON.stringify(hec.source)},"sourcetype":${JSON.stringify(
      hec.sourcetype,
    )}${hec.index ? `,"index":${JSON.stringify(hec.index)}` : ""}`;
    const body = message.events
      .map(
        (event) =>
          `{"time":${JSON.stringify(Date.parse(event.created_at) / 1000)},${fields},"event":${eventJson(event)}}`,
      )
      .join("\n");
    return {
      url: `${hec.url}/services/collector/event`,
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        authorization: `Splunk ${credentials.token ?? ""}`,
        "x-splunk-request-channel": message.streamId,
      },
      body,
    };
  },
};
