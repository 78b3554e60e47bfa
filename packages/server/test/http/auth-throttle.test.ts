import { describe, expect, it } from "vitest";
import { AuthThrottle } from "../../src/http/middleware/auth-throttle.js";

/** A shared window as the database keeps it: counts per address, limit `limit`. */
function windowOf(limit: number) {
  const counts = new Map<string, number>();
  return async (address: string) => {
    const count = (counts.get(address) ?? 0) + 1;
    counts.set(address, count);
    return { allowed: count <= limit, resetSeconds: 30 };
  };
}

describe("failed-authentication throttle", () => {
  it("when an address goes over the limit, then it is blocked until its window ends; others are not", async () => {
    let now = 1_000_000;
    const throttle = new AuthThrottle(windowOf(3), () => now);
    for (let n = 0; n < 3; n++) await throttle.failed("203.0.113.1");
    expect(throttle.retryAfter("203.0.113.1")).toBe(0);
    await throttle.failed("203.0.113.1");
    expect(throttle.retryAfter("203.0.113.1")).toBe(30);
    expect(throttle.retryAfter("203.0.113.2")).toBe(0);
    now += 29_500;
    expect(throttle.retryAfter("203.0.113.1")).toBe(1);
    now += 600;
    expect(throttle.retryAfter("203.0.113.1")).toBe(0);
  });

  it("when the count cannot be taken (database away), then failing does not throw nor block", async () => {
    const throttle = new AuthThrottle(async () => {
      throw new Error("connection refused");
    });
    await expect(throttle.failed("203.0.113.1")).resolves.toBeUndefined();
    expect(throttle.retryAfter("203.0.113.1")).toBe(0);
  });

  it("when a flood of distinct addresses is blocked, then memory stays bounded", async () => {
    const throttle = new AuthThrottle(async () => ({ allowed: false, resetSeconds: 60 }));
    for (let n = 0; n < 25_000; n++) await throttle.failed(`10.0.${n >> 8}.${n & 255}`);
    // The newest are still remembered; the map never grew past its bound.
    expect(throttle.retryAfter("10.0.97.167")).toBeGreaterThan(0);
    expect(
      (throttle as unknown as { blockedUntil: Map<string, number> }).blockedUntil.size,
    ).toBeLessThanOrEqual(10_000);
  });
});
