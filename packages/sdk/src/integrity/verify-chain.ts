import { type ChainedEvent, hashEvent } from "./hash-event.js";

export type ChainFailure = "hash_mismatch" | "prev_hash_mismatch" | "seq_gap";

export interface ChainVerification {
  valid: boolean;
  /** Events read (including the first invalid one). */
  checked: number;
  first_invalid_seq: number | null;
  reason: ChainFailure | null;
}

export type ChainSource<E extends ChainedEvent> =
  | Iterable<E>
  | AsyncIterable<E>
  | { readonly data: readonly E[] };

function items<E extends ChainedEvent>(source: ChainSource<E>): Iterable<E> | AsyncIterable<E> {
  if (Symbol.asyncIterator in source || Symbol.iterator in source) {
    return source as Iterable<E> | AsyncIterable<E>;
  }
  return (source as { readonly data: readonly E[] }).data;
}

/**
 * Verifies a run of consecutive events offline: each `hash` against the event's own
 * content, each `prev_hash` against its predecessor's `hash` (and `null` at seq 1), and
 * that seqs are consecutive. Ascending (an export) and descending (a default list) runs
 * are both accepted; the direction is read from the first two events. Takes a page, an
 * array, a list iteration or an export stream, in constant memory.
 */
export async function verifyChain<E extends ChainedEvent>(
  source: ChainSource<E>,
): Promise<ChainVerification> {
  let previous: E | undefined;
  let step: 1 | -1 | undefined;
  let checked = 0;
  const fail = (seq: number, reason: ChainFailure): ChainVerification => ({
    valid: false,
    checked,
    first_invalid_seq: seq,
    reason,
  });

  for await (const event of items(source)) {
    checked++;
    if ((await hashEvent(event)) !== event.hash) return fail(event.seq, "hash_mismatch");
    if (event.seq === 1 && event.prev_hash !== null) return fail(event.seq, "prev_hash_mismatch");
    if (previous) {
      step ??= event.seq === previous.seq + 1 ? 1 : event.seq === previous.seq - 1 ? -1 : undefined;
      if (step === undefined || event.seq !== previous.seq + step) {
        return fail(event.seq, "seq_gap");
      }
      const [earlier, later] = step === 1 ? [previous, event] : [event, previous];
      if (later.prev_hash !== earlier.hash) return fail(later.seq, "prev_hash_mismatch");
    }
    previous = event;
  }
  return { valid: true, checked, first_invalid_seq: null, reason: null };
}
