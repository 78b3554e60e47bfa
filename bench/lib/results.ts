import type { Summary } from "./stats.js";

/** One side of a comparison: what was measured, in which unit, over how many samples. */
export interface Measurement {
  label: string;
  unit: string;
  /** Over the repetitions (throughput per round) or over the requests (latency). */
  summary: Summary;
  /** Per-request latency behind a throughput figure, when there is one. */
  latencyMs?: Summary;
}

/** A goal from the table and whether this run met it. */
export interface Goal {
  text: string;
  met: boolean;
  /** > 1 when the goal is met, 1 exactly on the line; drives the chart. */
  attainment: number;
  /** The figure the goal is about when it is not the row's ratio ("42 ms"). */
  figure?: string;
}

export interface ResultRow {
  name: string;
  measured: Measurement;
  baseline?: Measurement;
  /** measured / baseline (or the ratio the goal is stated in), with what it divides. */
  ratio?: { value: number; label: string };
  goals: Goal[];
  /** Shown in the goal column when the row has no goal ("reported as a ratio"). */
  goalText?: string;
}

export interface WorkloadReport {
  id: string;
  title: string;
  measure: string;
  baseline: string;
  goal: string;
  sizes: string;
  warmup: string;
  repetitions: string;
  rows: ResultRow[];
  notes: string[];
  durationMs: number;
  /** Set when the workload could not run; the others still do. */
  error?: string;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  postgres: string;
  postgresSettings: Record<string, string>;
  pinning: { server: string; loadGenerator: string };
}

export interface BenchResults {
  mode: "full" | "quick";
  startedAt: string;
  durationMs: number;
  machine: MachineInfo;
  workloads: WorkloadReport[];
}

/** The ratio must be at least `threshold` (throughput against a baseline). */
export function atLeast(
  value: number,
  threshold: number,
  text = `≥ ${threshold}`,
  figure?: string,
): Goal {
  const goal: Goal = { text, met: value >= threshold, attainment: value / threshold };
  if (figure !== undefined) goal.figure = figure;
  return goal;
}

/** The value must be at most `threshold` (latency, memory, or a cost ratio). */
export function atMost(
  value: number,
  threshold: number,
  text = `≤ ${threshold}`,
  figure?: string,
): Goal {
  // Capped so that it survives JSON (Infinity would become null).
  const attainment = value > 0 ? Math.min(threshold / value, 1e6) : 1e6;
  const goal: Goal = { text, met: value <= threshold, attainment };
  if (figure !== undefined) goal.figure = figure;
  return goal;
}
