import { describe, expect, it } from "vitest";
import { atLeast, atMost, type BenchResults } from "../lib/results.js";
import { summarize } from "../lib/stats.js";
import { renderChart } from "../render/chart.js";
import { consoleTable } from "../render/console.js";

function results(): BenchResults {
  const measured = { label: "Chronicle", unit: "events/s", summary: summarize([50, 60]) };
  const baseline = { label: "COPY", unit: "events/s", summary: summarize([100, 100]) };
  return {
    mode: "quick",
    startedAt: "2026-11-23T03:00:00.000Z",
    durationMs: 1000,
    machine: {
      cpus: 2,
      cpuModel: "test",
      node: "v20",
      postgres: "PostgreSQL 15",
      postgresSettings: {},
      pinning: { server: "core 0", loadGenerator: "core 1" },
    },
    workloads: [
      {
        id: "w",
        title: "Workload <1>",
        measure: "m",
        baseline: "b",
        goal: "g",
        sizes: "s",
        warmup: "w",
        repetitions: "r",
        durationMs: 1,
        notes: [],
        rows: [
          {
            name: "row & more",
            measured,
            baseline,
            ratio: { value: 0.55, label: "Chronicle / COPY" },
            goals: [atLeast(0.55, 0.5), atMost(0, 10, "p95 ≤ 10 ms", "0 ms")],
          },
        ],
      },
    ],
  };
}

describe("rendering", () => {
  it("when a row has two goals, then the chart has two bars and escapes its text", () => {
    const svg = renderChart(results());
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain("Workload &lt;1&gt; · row &amp; more");
    expect(svg).not.toContain("NaN");
  });

  it("when a goal's value is 0, then its attainment stays finite through JSON", () => {
    const goal = atMost(0, 10);
    expect(JSON.parse(JSON.stringify(goal)).attainment).toBeGreaterThan(1);
  });

  it("when printed, then the table shows the ratio and whether the goals are met", () => {
    expect(consoleTable(results())).toMatch(/row & more\s+55.0 events\/s\s+100 events\/s\s+0.55/);
  });
});
