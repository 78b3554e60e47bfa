import type pg from "pg";
import type { Sizes } from "../config.js";
import type { Pinning } from "./affinity.js";
import type { Chronicle, Project } from "./chronicle.js";
import type { ChildServer } from "./processes.js";
import type { WorkloadReport } from "./results.js";

/** Everything a workload may use: the bench database, the running server, the datasets. */
export interface BenchContext {
  mode: "full" | "quick";
  sizes: Sizes;
  repoRoot: string;
  /** Scratch directory for logs, pgbench files and PGlite data. */
  workDir: string;
  pinning: Pinning;
  databaseUrl: string;
  pool: pg.Pool;
  chronicle: Chronicle;
  server: ChildServer;
  /** Empty project for the ingest workloads. */
  ingest: Project;
  /** `sizes.largeRows` seeded events. */
  large: Project;
  /** `sizes.mediumRows` seeded events. */
  medium: Project;
  /** `sizes.growth.factor` × the large project's events, copied from it in the database. */
  growth: Project;
  /** The large project's events copied into one month long past (RETENTION_MONTH). */
  retention: Project;
  /** Node flags for every Chronicle server the workloads start (e.g. --cpu-prof). */
  serverNodeFlags: string[];
  log(message: string): void;
}

export type WorkloadOutcome = Pick<
  WorkloadReport,
  "sizes" | "warmup" | "repetitions" | "rows" | "notes"
>;

export interface Workload {
  id: string;
  title: string;
  measure: string;
  baseline: string;
  goal: string;
  /** Seeded datasets the workload reads; only those are seeded when running a subset. */
  datasets: ("large" | "medium" | "growth" | "retention")[];
  run(context: BenchContext): Promise<WorkloadOutcome>;
}

export function bearer(project: Project): Record<string, string> {
  return { authorization: `Bearer ${project.api_key}` };
}

/** GET a JSON resource from the server; throws with the problem body on non-2xx. */
export async function getJson<T>(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, { headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path} → ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export function formatCount(value: number): string {
  if (value >= 1_000_000 && value % 1_000_000 === 0) return `${value / 1_000_000} M`;
  if (value >= 10_000 && value % 1000 === 0) return `${value / 1000} k`;
  return String(value);
}
