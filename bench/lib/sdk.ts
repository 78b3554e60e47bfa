import { Chronicle, type ListEventsParams } from "../../packages/sdk/src/index.js";
import type { EventInput } from "./event-generator.js";

/** What the workloads need from @chronicle/sdk (imported from its source through tsx). */
export interface BenchClient {
  batch(events: EventInput[]): Promise<void>;
  /** Every event of the query across pages (`for await`). */
  iterate(query: ListEventsParams): AsyncIterable<unknown>;
}

/** An SDK client with retries off, so that a failure shows instead of being retried. */
export function createClient(baseUrl: string, apiKey: string): BenchClient {
  const client = new Chronicle({ apiKey, baseUrl, maxRetries: 0 });
  return {
    async batch(events) {
      await client.events.batch({ events });
    },
    iterate: (query) => client.events.list(query),
  };
}
