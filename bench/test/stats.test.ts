import { describe, expect, it } from "vitest";
import { median, percentile, summarize } from "../lib/stats.js";

describe("stats", () => {
  it("when the count is even, then the median is the mean of the middle two", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("when asked for p95 of 1..100, then nearest rank gives 95", () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 0.95)).toBe(95);
    expect(summarize(values)).toMatchObject({ n: 100, median: 50.5, p95: 95, p99: 99, min: 1 });
  });

  it("when there are no values, then every statistic is NaN", () => {
    expect(Number.isNaN(summarize([]).median)).toBe(true);
  });
});
