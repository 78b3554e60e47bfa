import type { BenchResults } from "../lib/results.js";
import { formatDuration, formatMedian, formatRatio } from "./format.js";

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  ");
}

/** The plain-text table printed at the end of a run. */
export function consoleTable(results: BenchResults): string {
  const header = ["workload", "row", "Chronicle", "baseline", "ratio", "goal", "met"];
  const lines: string[][] = [];
  for (const workload of results.workloads) {
    if (workload.error) {
      lines.push([workload.title, "FAILED", workload.error.split("\n")[0] ?? "", "", "", "", ""]);
      continue;
    }
    for (const row of workload.rows) {
      lines.push([
        workload.title,
        row.name,
        formatMedian(row.measured),
        formatMedian(row.baseline),
        row.ratio ? formatRatio(row.ratio.value) : "",
        row.goals.map((goal) => goal.text).join("; "),
        row.goals.length === 0 ? "" : row.goals.every((goal) => goal.met) ? "yes" : "NO",
      ]);
    }
  }
  const widths = header.map((_, column) =>
    Math.min(60, Math.max(...[header, ...lines].map((line) => (line[column] ?? "").length))),
  );
  return [
    pad(header, widths),
    pad(
      widths.map((width) => "-".repeat(width)),
      widths,
    ),
    ...lines.map((line) => pad(line, widths)),
    "",
    `${results.mode} run, ${formatDuration(results.durationMs)}; server ${results.machine.pinning.server}, load generator ${results.machine.pinning.loadGenerator}`,
  ].join("\n");
}
