import type { Received } from "@chronicle/test-kit";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";

interface WebhookBatch {
  id: string;
  seqs: number[];
  status: number | null;
}

/** Every webhook request verified with the `standardwebhooks` library, as a receiver would. */
export function verifiedBatches(requests: Received[], secret: string): WebhookBatch[] {
  const webhook = new Webhook(secret);
  return requests.map((request) => {
    const payload = webhook.verify(request.body, request.headers) as {
      type: string;
      data: { events: { seq: number }[] };
    };
    expect(payload.type).toBe("chronicle.events");
    return {
      id: request.headers["webhook-id"] as string,
      seqs: payload.data.events.map((event) => event.seq),
      status: request.status,
    };
  });
}

/**
 * The guarantees: the accepted batches, in arrival order, are exactly `expected` in seq
 * order (0 lost, order kept); a seq seen more than once is only ever resent under the same
 * message id with the same events (a retry).
 */
export function expectDelivered(batches: WebhookBatch[], expected: number[]) {
  const accepted = batches.filter((batch) => batch.status !== null && batch.status < 300);
  const acceptedSeqs = accepted.flatMap((batch) => batch.seqs);
  const firstAccepted = new Map<string, number[]>();
  const deduplicated: number[] = [];
  for (const batch of accepted) {
    if (firstAccepted.has(batch.id)) continue;
    firstAccepted.set(batch.id, batch.seqs);
    deduplicated.push(...batch.seqs);
  }
  expect(deduplicated).toEqual(expected);
  expect(acceptedSeqs.length).toBeGreaterThanOrEqual(expected.length);
  const idOfSeq = new Map<number, string>();
  const seqsOfId = new Map<string, string>();
  for (const batch of batches) {
    const key = batch.seqs.join(",");
    const seen = seqsOfId.get(batch.id);
    if (seen !== undefined) expect(key, `retry of ${batch.id} carries the same events`).toBe(seen);
    seqsOfId.set(batch.id, key);
    for (const seq of batch.seqs) {
      const id = idOfSeq.get(seq);
      if (id !== undefined) expect(batch.id, `seq ${seq} resent only as a retry`).toBe(id);
      idOfSeq.set(seq, batch.id);
    }
  }
}
