import type { components, Event } from "@chronicle/types";
import type { Credentials } from "../credentials.js";

export type DestinationInput = components["schemas"]["StreamDestinationInput"];
export type Destination = components["schemas"]["StreamDestination"];

/** One delivery: a batch of events (or the synthetic test event) under a stable id. */
export interface DeliveryMessage {
  id: string;
  streamId: string;
  kind: "events" | "test";
  events: Event[];
  /** When this attempt is made (Standard Webhooks' `webhook-timestamp`). */
  sentAt: Date;
}

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * One destination type. The delivery engine only calls these, so another type (S3, Kafka)
 * is a new module here and an entry in the registry.
 */
export interface DestinationDriver {
  readonly type: Destination["type"];
  /** The most events one request may carry at this destination. */
  readonly maxEvents: number;
  /** Splits a create/update input into what is shown and what is sealed; fills defaults. */
  split(input: DestinationInput): { destination: Destination; credentials: Credentials };
  /** The URL the SSRF guard checks at creation. */
  urlOf(destination: Destination): string;
  request(
    destination: Destination,
    credentials: Credentials,
    message: DeliveryMessage,
  ): OutgoingRequest;
}

export const USER_AGENT = "Chronicle-Streams/1";
