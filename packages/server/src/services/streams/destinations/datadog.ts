import type { components } from "@chronicle/types";
import { eventJson } from "../event-json.js";
import { type DestinationDriver, USER_AGENT } from "./types.js";

type DatadogDestination = components["schemas"]["DatadogDestination"];

/**
 * Datadog Logs HTTP intake v2: `POST /api/v2/logs` with `DD-API-KEY`, a JSON array of logs
 * (at most 1000 per request), each carrying the Chronicle event as JSON in `message`, which
 * Datadog parses into attributes.
 */
export const datadogDriver: DestinationDriver = {
  type: "datadog",
  maxEvents: 1000,
  split(input) {
    if (input.type !== "datadog") throw new Error("not a datadog destination");
    const site = input.site ?? "datadoghq.com";
    return {
      destination: {
        type: "datadog",
        site,
        url: input.url ?? `https://http-intake.logs.${site}/api/v2/logs`,
        service: input.service ?? "chronicle",
        ddsource: input.ddsource ?? "chronicle",
        ddtags: input.ddtags ?? null,
      },
      credentials: { api_key: input.api_key },
    };
  },
  urlOf: (destination) => (destination as DatadogDestination).url,
  request(destination, credentials, message) {
    const dd = destination as DatadogDestination;
    const body = JSON.stringify(
      message.events.map((event) => ({
        ddsource: dd.ddsource,
        service: dd.service,
        ...(dd.ddtags ? { ddtags: dd.ddtags } : {}),
        hostname: "chronicle",
        message: eventJson(event),
      })),
    );
    return {
      url: dd.url,
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "dd-api-key": credentials.api_key ?? "",
      },
      body,
    };
  },
};
