import { openTestStore, STORE_KINDS } from "@chronicle/test-kit";
import { describe, expect, it } from "vitest";
import { PING_TTL_MS, pingStoreCached } from "../../src/services/system/health.js";

describe.each(STORE_KINDS)("cached health ping on %s", (kind) => {
  it("when the database goes away, then the last outcome answers for a second and then the failure", async () => {
    const t = await openTestStore(kind);
    const start = Date.now();
    try {
      await expect(pingStoreCached(t.store, start)).resolves.toBeUndefined();
    } finally {
      await t.dispose();
    }
    // The store is closed: within the TTL the success is reused, after it the ping fails.
    await expect(pingStoreCached(t.store, start + PING_TTL_MS - 1)).resolves.toBeUndefined();
    await expect(pingStoreCached(t.store, start + PING_TTL_MS)).rejects.toThrow();
    // The failure is cached too, until the next second.
    await expect(pingStoreCached(t.store, start + PING_TTL_MS + 10)).rejects.toThrow();
  });
});
