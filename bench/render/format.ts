import type { Measurement } from "../lib/results.js";

/** A number with about three significant digits and thousands separators. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(2);
}

/** "12,345 events/s" — the median, the figure every table leads with. */
export function formatMedian(measurement: Measurement | undefined): string {
  if (!measurement) return "—";
  return `${formatNumber(measurement.summary.median)} ${measurement.unit}`;
}

/** "p50 1.2 · p95 3.4 · p99 5.6 ms" for latency, or the spread of a throughput figure. */
export function formatSpread(measurement: Measurement | undefined): string {
  if (!measurement) return "—";
  const latency = measurement.latencyMs;
  if (latency) {
    return `p50 ${formatNumber(latency.median)} · p95 ${formatNumber(latency.p95)} · p99 ${formatNumber(latency.p99)} ms`;
  }
  const { summary, unit } = measurement;
  if (unit === "ms") {
    return `p95 ${formatNumber(summary.p95)} · p99 ${formatNumber(summary.p99)} ms (n=${summary.n})`;
  }
  return `min ${formatNumber(summary.min)} · max ${formatNumber(summary.max)} (n=${summary.n})`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}
