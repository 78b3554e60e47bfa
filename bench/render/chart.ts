import type { BenchResults } from "../lib/results.js";
import { formatRatio } from "./format.js";

interface Bar {
  label: string;
  detail: string;
  attainment: number;
  met: boolean;
}

const WIDTH = 1120;
const LABEL_WIDTH = 380;
const DETAIL_WIDTH = 360;
const ROW_HEIGHT = 26;
const TOP = 64;
const MIN = 1 / 16;
const MAX = 16;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function barsOf(results: BenchResults): Bar[] {
  const bars: Bar[] = [];
  for (const workload of results.workloads) {
    for (const row of workload.rows) {
      for (const goal of row.goals) {
        const figure = goal.figure ?? (row.ratio ? formatRatio(row.ratio.value) : "");
        bars.push({
          label: `${workload.title} · ${row.name}`,
          detail: `${figure} · goal ${goal.text}`,
          attainment: goal.attainment,
          met: goal.met,
        });
      }
    }
  }
  return bars;
}

/**
 * One horizontal bar per goal, on a log scale of "how far from the goal": the line in
 * the middle is the goal itself, green bars reaching right of it are met, red ones are
 * not. Hand-written SVG so the docs need no chart library.
 */
export function renderChart(results: BenchResults): string {
  const bars = barsOf(results);
  const plotLeft = LABEL_WIDTH;
  const plotWidth = WIDTH - LABEL_WIDTH - DETAIL_WIDTH;
  const height = TOP + bars.length * ROW_HEIGHT + 44;
  const x = (value: number) => {
    const clamped = Math.min(MAX, Math.max(MIN, value));
    return (
      plotLeft + ((Math.log(clamped) - Math.log(MIN)) / (Math.log(MAX) - Math.log(MIN))) * plotWidth
    );
  };
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    "<title>Chronicle benchmark: goal attainment per workload</title>",
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="600">Chronicle against its baselines: how far each goal is met</text>`,
    `<text x="16" y="44" fill="#555">Bar length = goal attainment on a log scale (the dark line is the goal; right of it is met). ${escapeXml(results.mode)} run, ${escapeXml(results.startedAt.slice(0, 16).replace("T", " "))} UTC.</text>`,
  );
  for (const tick of [1 / 16, 1 / 4, 1 / 2, 1, 2, 4, 16]) {
    const tx = x(tick);
    const label = tick < 1 ? `1/${1 / tick}×` : `${tick}×`;
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="${TOP - 6}" x2="${tx.toFixed(1)}" y2="${TOP + bars.length * ROW_HEIGHT}" stroke="${tick === 1 ? "#222" : "#ddd"}" stroke-width="${tick === 1 ? 2 : 1}"/>`,
      `<text x="${tx.toFixed(1)}" y="${TOP + bars.length * ROW_HEIGHT + 16}" text-anchor="middle" fill="#555">${label}</text>`,
    );
  }
  parts.push(
    `<text x="${x(1).toFixed(1)}" y="${TOP + bars.length * ROW_HEIGHT + 34}" text-anchor="middle" fill="#222">goal</text>`,
  );
  bars.forEach((bar, index) => {
    const y = TOP + index * ROW_HEIGHT;
    const start = x(MIN);
    const end = x(bar.attainment);
    const colour = bar.met ? "#2e9d57" : "#d0453a";
    parts.push(
      `<text x="${plotLeft - 8}" y="${y + 17}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${start.toFixed(1)}" y="${y + 5}" width="${Math.max(1, end - start).toFixed(1)}" height="${ROW_HEIGHT - 10}" fill="${colour}" rx="2"/>`,
      `<text x="${WIDTH - DETAIL_WIDTH + 8}" y="${y + 17}" fill="${colour}">${bar.met ? "✔" : "✘"} ${escapeXml(bar.detail)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
