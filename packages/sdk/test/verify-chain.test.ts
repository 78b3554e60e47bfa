import { describe, expect, it } from "vitest";
import { hashEvent } from "../src/integrity/hash-event.js";
import { verifyChain } from "../src/integrity/verify-chain.js";
import { buildChain, nodeHash } from "./support/chain.js";

async function* streamOf<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe("verifyChain", () => {
  it("hashes an event exactly as node:crypto over an independent JCS does", async () => {
    const [event] = buildChain(1);
    expect(event).toBeDefined();
    if (!event) return;
    expect(await hashEvent(event)).toBe(nodeHash(event as unknown as Record<string, unknown>));
  });

  it("when the chain is intact, then an array, a page and a stream are valid", async () => {
    const chain = buildChain(25);
    const valid = { valid: true, checked: 25, first_invalid_seq: null, reason: null };
    expect(await verifyChain(chain)).toEqual(valid);
    expect(await verifyChain({ data: chain })).toEqual(valid);
    expect(await verifyChain(streamOf(chain))).toEqual(valid);
  });

  it("when the events come newest first (a default list), then it is valid too", async () => {
    expect(await verifyChain(buildChain(10).reverse())).toMatchObject({ valid: true, checked: 10 });
  });

  it("when a run starts mid-chain, then the first event's link is not judged", async () => {
    expect(await verifyChain(buildChain(10).slice(4))).toMatchObject({ valid: true, checked: 6 });
  });

  it("when a field is changed, then that event's hash fails", async () => {
    const chain = buildChain(10);
    const tampered = chain[6];
    if (tampered) tampered.summary = "rewritten";
    expect(await verifyChain(chain)).toEqual({
      valid: false,
      checked: 7,
      first_invalid_seq: 7,
      reason: "hash_mismatch",
    });
  });

  it("when an event is re-hashed after tampering, then the next event's link fails", async () => {
    const chain = buildChain(10);
    const tampered = chain[3];
    if (tampered) {
      tampered.metadata = { amount: 1_000_000 };
      tampered.hash = nodeHash(tampered as unknown as Record<string, unknown>);
    }
    expect(await verifyChain(chain)).toMatchObject({
      valid: false,
      first_invalid_seq: 5,
      reason: "prev_hash_mismatch",
    });
    expect(await verifyChain([...chain].reverse())).toMatchObject({
      valid: false,
      first_invalid_seq: 5,
      reason: "prev_hash_mismatch",
    });
  });

  it("when an event is removed, then the gap is reported", async () => {
    const chain = buildChain(10);
    chain.splice(4, 1);
    expect(await verifyChain(chain)).toMatchObject({
      valid: false,
      first_invalid_seq: 6,
      reason: "seq_gap",
    });
  });

  it("when the first event claims a predecessor, then seq 1 fails", async () => {
    const chain = buildChain(3);
    const first = chain[0];
    if (first) {
      first.prev_hash = "00".repeat(32);
      first.hash = nodeHash(first as unknown as Record<string, unknown>);
    }
    expect(await verifyChain(chain)).toMatchObject({ valid: false, first_invalid_seq: 1 });
  });

  it("when there is nothing to check, then it is valid with zero checked", async () => {
    expect(await verifyChain([])).toEqual({
      valid: true,
      checked: 0,
      first_invalid_seq: null,
      reason: null,
    });
  });
});
