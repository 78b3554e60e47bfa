import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { BenchResults } from "../lib/results.js";
import { renderChart } from "../render/chart.js";
import { renderMarkdown } from "../render/markdown.js";

/**
 * docs/benchmarks.md and its chart are generated (`pnpm bench`, or `--render-only`) from
 * bench/results.json and bench/notes: committed, they must be what those render to, so that
 * an edited note or results file cannot leave the published page saying something else.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const results = JSON.parse(readFileSync(join(root, "bench/results.json"), "utf8")) as BenchResults;

describe("the published benchmark page", () => {
  it("when rendered again from bench/results.json and bench/notes, then it is docs/benchmarks.md byte for byte", () => {
    const rendered = renderMarkdown(results, join(root, "bench/notes"), "benchmarks.svg");
    const formatted = execFileSync(
      join(root, "node_modules/.bin/biome"),
      ["format", "--stdin-file-path", join(root, "docs/benchmarks.md")],
      { input: rendered, encoding: "utf8" },
    );
    expect(formatted).toBe(readFileSync(join(root, "docs/benchmarks.md"), "utf8"));
  });

  it("when its chart is rendered again, then it is docs/benchmarks.svg byte for byte", () => {
    expect(renderChart(results)).toBe(readFileSync(join(root, "docs/benchmarks.svg"), "utf8"));
  });
});
